import {ApiError} from '../core/errors.js'

/**
 * Failures after which the same request cannot succeed, whose messages say what to do instead: no JOB_ID column
 * (export at most 31 days), an organization or host the API does not know.
 */
const NOT_RESUMABLE: ReadonlySet<string> = new Set(['E_PART_NO_JOB_ID', 'E_API_NOT_FOUND'])

/**
 * An export that stopped on an API or download failure (exit 4) names the command that resumes it, as a timeout
 * does: "rerun the same command" asks another range when the command's range is relative to now (`--start` alone
 * runs to now, `--days` moves at midnight), and would then spend new export jobs and downloads. Windows whose
 * jobs disagree on the columns keep their own advice: resuming would meet the same columns again.
 */
export function withResumeAdvice(error: unknown, command: string): unknown {
  if (!(error instanceof ApiError) || NOT_RESUMABLE.has(error.code) || error.message.includes('Resume with: ')) return error
  if (error.code === 'E_PART_HEADER_MISMATCH' && error.details?.refetchWindow === undefined) return error
  const advised = new ApiError(error.code, `${error.message} Resume with: ${command}`, error.details)
  advised.stack = error.stack
  return advised
}
