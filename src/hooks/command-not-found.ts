import {Errors, type Hook} from '@oclif/core'

import {redact, registerSecretArguments} from '../core/secrets.js'

/**
 * oclif takes a bare word right after a command as part of a longer command name (`notify xoxb-...` looks for
 * "notify:xoxb-..."), and reports that name as not found before any command, so before BaseCommand's redaction,
 * runs. The same redaction applies here: the token flags' values, the secret variables and token shapes.
 */
const hook: Hook.CommandNotFound = async function ({id, argv}) {
  registerSecretArguments(argv ?? [], process.env)
  throw new Errors.CLIError(redact(`command ${id} not found`), {exit: 2})
}

export default hook
