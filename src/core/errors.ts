/**
 * Every failure the CLI reports on purpose is a CciUsageError: a stable `code` for scripts and `--json`,
 * an exit code from EXIT_CODES, and a message that says what to do next. base-command.ts is the one place
 * that turns them into stderr lines and process exit codes.
 */
export const EXIT_CODES = {
  ok: 0,
  unexpected: 1,
  badInput: 2,
  auth: 3,
  apiFailed: 4,
  timeout: 5,
  notifyFailed: 6,
} as const

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES]

export class CciUsageError extends Error {
  readonly code: string
  readonly exitCode: ExitCode
  readonly details?: Record<string, unknown>

  constructor(code: string, exitCode: ExitCode, message: string, details?: Record<string, unknown>) {
    super(message)
    this.name = new.target.name
    this.code = code
    this.exitCode = exitCode
    this.details = details
  }
}

/** A flag, argument or configuration value is wrong: the message names it and says how to fix it. */
export class BadInputError extends CciUsageError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, EXIT_CODES.badInput, message, details)
  }
}

/** An input file cannot be read as a usage export (or teams file): the message names the file and line. */
export class InputFileError extends CciUsageError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, EXIT_CODES.badInput, message, details)
  }
}

/** A row of another length than the header (`where`: the file and line), as `report` and `load` read it. */
export function raggedRowError(where: string, expected: number, found: number): InputFileError {
  // A comma in a name that lacks the export's backslash escape (core/export-escapes.ts) makes a row one field longer.
  const cause = found > expected ? ' (a value may hold a comma the export did not escape as \\,)' : ''
  return new InputFileError('E_INPUT_RAGGED', `Input file ${where}: expected ${expected} fields but found ${found}${cause}; fix the row or re-export the file.`)
}

/** The token is missing, invalid, or lacks access to the organization (HTTP 401/403 from the API). */
export class AuthError extends CciUsageError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, EXIT_CODES.auth, message, details)
  }
}

/** The API or the export job failed, or a download could not be completed after retries. */
export class ApiError extends CciUsageError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, EXIT_CODES.apiFailed, message, details)
  }
}

/** Waiting for export jobs took longer than --timeout; the message carries the resume command. */
export class TimeoutError extends CciUsageError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, EXIT_CODES.timeout, message, details)
  }
}

/** Posting to Slack failed; only fatal with --strict-notify. */
export class NotifyError extends CciUsageError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, EXIT_CODES.notifyFailed, message, details)
  }
}

/**
 * A file or folder the tool must write cannot be written (disk full, read-only, no permission): the message
 * names the path, the reason and what to do. Exit 2, like other problems the user fixes (see fs-errors.ts).
 */
export class FileSystemError extends CciUsageError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, EXIT_CODES.badInput, message, details)
  }
}
