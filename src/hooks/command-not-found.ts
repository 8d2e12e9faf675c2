import {type Hook, type Interfaces} from '@oclif/core'

import {redactCommandLineWords, registerSecretArguments} from '../core/secrets.js'
import {terminalSafe} from '../core/terminal-safe.js'

/**
 * oclif takes a bare word right after a command as part of a longer command name (`report usage.csv` looks for
 * "report:usage.csv"), and reports that name as not found before any command, so before BaseCommand's
 * redaction and error printing, run. The same rules apply here: the token flags' values, the secret variables and
 * token shapes are redacted, and the error is one line saying what to type instead, exit 2 (oclif's own printing
 * wraps it over several " ›" lines and names no fix).
 */
const hook: Hook.CommandNotFound = async function ({id, argv, config}) {
  registerSecretArguments(argv ?? [], process.env)
  printNotFound(id, config)
  this.exit(2)
}

/** The one stderr line for `id` (oclif's colon-joined words) that is no command, redacted and terminal-safe. */
export function printNotFound(id: string, config: Interfaces.Config): void {
  process.stderr.write(`Error: ${terminalSafe(redactCommandLineWords(notFoundMessage(id, config)))}\n`)
}

/** What to say when `id` is no command: what the user meant to type instead. */
function notFoundMessage(id: string, config: Interfaces.Config): string {
  const separator = id.indexOf(':')
  const command = separator > 0 ? config.findCommand(id.slice(0, separator)) : undefined
  if (command) {
    const argument = id.slice(separator + 1)
    const inputHint = command.flags.input ? `; to read a file, pass it with --input ${argument}` : ''
    return `cci-usage ${command.id} takes only flags, not the argument "${argument}"${inputHint} (see cci-usage ${command.id} --help).`
  }
  const commands = config.commandIDs.filter((name) => name !== 'help').sort().join(', ')
  return `command ${id} not found: the commands are ${commands} (see cci-usage help).`
}

export default hook
