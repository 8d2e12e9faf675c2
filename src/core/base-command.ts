import {Command, Errors, Flags, type Interfaces} from '@oclif/core'

import {CciUsageError, EXIT_CODES} from './errors.js'
import {fileSystemError} from './fs-errors.js'
import {outOfMemoryError} from './memory-errors.js'
import {rejectEmptyPaths} from './path-flags.js'
import {redact, redactCommandLineWords, registerSecretArguments} from './secrets.js'
import {terminalSafeLines} from './terminal-safe.js'

/**
 * The one place where errors become output and exit codes. Commands throw typed errors (errors.ts) and
 * never print stack traces themselves; --debug adds the stack, --json turns the error into a JSON object.
 */
export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    debug: Flags.boolean({description: 'Print stack traces and extra diagnostics on errors.', helpGroup: 'GLOBAL'}),
  }

  protected debugEnabled = false

  public override async init(): Promise<void> {
    this.debugEnabled = this.argv.includes('--debug') || process.env.CCI_USAGE_DEBUG === '1'
    // Before this.parse: its errors ("Unexpected argument: <value>") can quote a token, and catch() redacts only
    // what is registered by then.
    registerSecretArguments(this.argv, process.env)
    await super.init()
  }

  // Every command's flags pass here: a path flag given empty is refused before any work (path-flags.ts).
  protected override async parse<F extends Output, B extends Output, A extends Output>(options?: Interfaces.Input<F, B, A>, argv?: string[]): Promise<Interfaces.ParserOutput<F, B, A>> {
    const parsed = await super.parse(options, argv)
    rejectEmptyPaths(parsed.flags)
    return parsed
  }

  /** Progress and notices go to stderr, redacted, so stdout stays a clean result (table, CSV, JSON). */
  protected info(message: string): void {
    if (!this.jsonEnabled()) process.stderr.write(terminalSafeLines(redact(message)) + '\n')
  }

  // Messages quote names from the data (projects, files): no escape sequence of theirs may reach the terminal.
  protected warning(message: string): void {
    process.stderr.write(terminalSafeLines(redact(`Warning: ${message}`)) + '\n')
  }

  protected override async catch(error: Error & {exitCode?: number}): Promise<unknown> {
    const {code, exitCode, message} = describeError(error)
    if (this.jsonEnabled()) {
      process.stdout.write(JSON.stringify({error: {code, exitCode, message: redact(message)}}, null, 2) + '\n')
    } else {
      process.stderr.write(`Error: ${terminalSafeLines(redact(message))}\n`)
    }
    if (this.debugEnabled && error.stack) process.stderr.write(redact(debugStack(error, message)) + '\n')
    return this.exit(exitCode)
  }
}

/**
 * The stack's frames under the message as printed. The stack's own first lines repeat the original message, and
 * describeError may have left out part of it for a reason: a mistyped flag's value (--tokn=TOKEN), which nothing
 * registered as a secret.
 */
function debugStack(error: Error, message: string): string {
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line))
  return [`${error.name}: ${message}`, ...frames].join('\n')
}

/** oclif's FlagOutput and ArgOutput, which it does not export. */
type Output = {[name: string]: any}

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>

export function describeError(error: Error & {exitCode?: number}): {code: string; exitCode: number; message: string} {
  if (error instanceof CciUsageError) return {code: error.code, exitCode: error.exitCode, message: error.message}
  if (error instanceof Errors.ExitError) throw error
  if (error instanceof Errors.CLIError) {
    // oclif's own parse errors (unknown flag, missing value, bad integer): bad input, shown as one line.
    // oclif spreads one problem over several lines ("Parsing --top", "\tExpected an integer..."): keep the
    // reason, drop its own help hint, and print it as one line.
    const parts = error.message
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !/^See more help/i.test(line))
    // A mistyped flag name is not known to hold a secret, so its value (--tokn=VALUE) is never echoed.
    let message = parts.join(': ').replace(/:\s*:/g, ':')
    if (/^Nonexistent flag/.test(message)) message = message.replace(/(--[^\s=,]+)=\S*?(?=,?(?:\s|$))/g, '$1')
    return {code: 'E_BAD_FLAG', exitCode: EXIT_CODES.badInput, message: `${redactCommandLineWords(message)} (see --help)`}
  }
  // A folder that cannot be written (read-only, no permission, disk full), also from DuckDB or a stream, is the
  // user's to fix, not a bug: name the path and the reason. Most are typed where they happen; this catches the rest.
  const fileSystem = fileSystemError(error)
  if (fileSystem) return {code: fileSystem.code, exitCode: fileSystem.exitCode, message: fileSystem.message}
  const memory = outOfMemoryError(error)
  if (memory) return {code: memory.code, exitCode: memory.exitCode, message: memory.message}
  return {
    code: 'E_UNEXPECTED',
    exitCode: EXIT_CODES.unexpected,
    message: `${error.message || String(error)} (unexpected; rerun with --debug and report it)`,
  }
}
