/**
 * Loads summary.json for notify. It is written by `cci-usage report`; anything else (missing, not JSON, an
 * unknown schema version) is bad input with one line that names the file and the next step.
 */
import {readFile} from 'node:fs/promises'

import {SUMMARY_SCHEMA_VERSION, type Summary} from '../analysis/summary.js'
import {InputFileError} from '../core/errors.js'

const NEXT_STEP = 'run `cci-usage report` first (or pass --summary)'

export async function readSummaryFile(path: string): Promise<Summary> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'file not found' : `cannot read it (${code ?? 'read error'})`
    throw new InputFileError('E_SUMMARY_MISSING', `${path}: ${why}; ${NEXT_STEP}`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new InputFileError('E_SUMMARY_CORRUPT', `${path} is not valid JSON (truncated or edited?); ${NEXT_STEP}`)
  }
  const other = otherVersion(parsed)
  if (other !== null) {
    throw new InputFileError(
      'E_SUMMARY_CORRUPT',
      `${path} was written by another version of cci-usage (${other}; this one reads schemaVersion ${SUMMARY_SCHEMA_VERSION}): make it again with this version's \`cci-usage report\`, or post it with the cci-usage that wrote it.`,
    )
  }
  const problem = shapeProblem(parsed)
  if (problem) throw new InputFileError('E_SUMMARY_CORRUPT', `${path} is not a cci-usage summary (${problem}); ${NEXT_STEP}`)
  return parsed as Summary
}

/** Checks the fields the Slack message reads, so that a wrong file fails here and not halfway through. */
function shapeProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'not a JSON object'
  const summary = value as Record<string, any>
  if (summary.schemaVersion !== SUMMARY_SCHEMA_VERSION) {
    return `schemaVersion ${JSON.stringify(summary.schemaVersion) ?? 'missing'}, expected ${SUMMARY_SCHEMA_VERSION}`
  }
  if (typeof summary.window?.start !== 'string' || typeof summary.window?.end !== 'string') return 'window missing'
  if (typeof summary.totals?.credits?.total !== 'number') return 'totals.credits.total missing'
  if (!Array.isArray(summary.breakdowns?.project) || !Array.isArray(summary.breakdowns?.org)) return 'breakdowns missing'
  if (typeof summary.failed?.credits !== 'number') return 'failed missing'
  return null
}

/** A summary of another schema version (a whole number other than ours), named with the tool version that wrote it; null otherwise. */
function otherVersion(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return null
  const summary = value as Record<string, any>
  const version = summary.schemaVersion
  if (!Number.isInteger(version) || version === SUMMARY_SCHEMA_VERSION) return null
  const tool = typeof summary.tool?.version === 'string' ? `cci-usage ${summary.tool.version}, ` : ''
  return `${tool}schemaVersion ${version}`
}
