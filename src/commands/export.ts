import {Flags} from '@oclif/core'

import {BaseCommand} from '../core/base-command.js'
import {systemClock} from '../core/clock.js'
import {withOutFolder} from '../core/out-folder.js'
import {runExportOn} from '../export/demo.js'
import {credentialsFromFlags, exportFlags, exportOptionsFromFlags} from '../export/flags.js'
import {parseDuration} from '../export/duration.js'
import type {ExportResult} from '../export/index.js'
import {resolveRange} from '../export/windows.js'

export default class Export extends BaseCommand {
  static override summary = 'Export CircleCI usage for a date range into one merged CSV.'

  static override description = `Creates Usage API export jobs (one per window of at most 31 days), waits for them within the API rate limits, downloads and verifies every part, and merges them into <out>/usage.csv (rows repeated across window boundaries are dropped and counted).

Progress goes to stderr; the token and download links never appear in any output. A rerun with the same range and --out resumes: it reuses the job ids in <out>/export-manifest.json and skips parts already verified.

Exit codes: 0 done (also when there is no usage), 2 bad input, 3 token refused, 4 export failed or API error, 5 timed out (the message carries the resume command).`

  static override examples = [
    {description: 'The last 7 full UTC days (token and org from the environment)', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Last calendar month (UTC), whatever day it runs', command: '<%= config.bin %> <%= command.id %> --month previous --out ./last-month'},
    {description: 'The last 90 days (split into 31-day windows)', command: '<%= config.bin %> <%= command.id %> --days 90 --timeout 2h'},
    {description: 'Include an organization that shares the plan', command: '<%= config.bin %> <%= command.id %> --org-id $ORG --shared-org-id $OTHER_ORG'},
    {description: 'Include every organization that shares the plan, as CircleCI lists them', command: '<%= config.bin %> <%= command.id %> --org-id $ORG --discover-shared-orgs'},
    {description: 'Try it without a token against the built-in simulator', command: '<%= config.bin %> <%= command.id %> --demo --out /tmp/usage-demo'},
  ]

  static override flags = {
    ...exportFlags,
    out: Flags.string({description: 'Output folder for usage.csv, export-manifest.json and downloaded parts.', default: './usage-report'}),
  }

  public async run(): Promise<ExportResult> {
    const {flags} = await this.parse(Export)
    const clock = systemClock
    const range = resolveRange({start: flags.start, end: flags.end, days: flags.days, month: flags.month}, clock())
    const timeoutMs = parseDuration(flags.timeout, '--timeout')
    const log = (line: string) => this.info(line)
    const common = exportOptionsFromFlags(flags, range, timeoutMs)
    const target = flags.demo ? 'demo' : credentialsFromFlags(flags)
    const result = await withOutFolder(flags.out, 'export', {log}, () => runExportOn(target, common, {clock, log, warn: (line) => this.warning(line)}))

    if (!this.jsonEnabled()) {
      this.log(
        result.empty
          ? `No usage between ${result.range.start} and ${result.range.end}; wrote the header only to ${result.csvPath}`
          : `${result.rows} rows (${result.duplicatesDropped} duplicates dropped) from ${result.windows.length} window(s) -> ${result.csvPath}`,
      )
    }
    return result
  }
}
