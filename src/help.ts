import {Errors, Help} from '@oclif/core'

import {printNotFound} from './hooks/command-not-found.js'

/**
 * `cci-usage help <name>` for a name that is no command says what `cci-usage <name>` says (hooks/
 * command-not-found.ts): one line naming the commands, exit 2, instead of oclif's wrapped " ›" error.
 */
export default class CciUsageHelp extends Help {
  override async showHelp(argv: string[]): Promise<void> {
    try {
      await super.showHelp(argv)
    } catch (error) {
      const subject = /^Command (.+) not found\.$/.exec(error instanceof Error ? error.message : '')?.[1]
      if (subject === undefined) throw error
      printNotFound(subject, this.config)
      Errors.exit(2)
    }
  }
}
