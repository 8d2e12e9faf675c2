import {Flags} from '@oclif/core'

import {BaseCommand} from '../core/base-command.js'
import {systemClock} from '../core/clock.js'
import {AuthError, BadInputError} from '../core/errors.js'
import {registerSecret} from '../core/secrets.js'
import {withDemoApi} from '../export/demo.js'
import {parseDuration} from '../export/duration.js'
import {DEFAULT_HOST, runExport, type ExportResult} from '../export/index.js'
import {resolveRange} from '../export/windows.js'

/** oclif's `env:` takes one name; these flags accept the CircleCI-native fallback too. */
function fromEnv(...names: string[]): string | undefined {
  for (const name of names) {
    const value = process.env[name]
    if (value !== undefined && value.trim() !== '') return value.trim()
  }
  return undefined
}

export default class Export extends BaseCommand {
  static override summary = 'Export CircleCI usage for a date range into one merged CSV.'

  static override description = `Creates Usage API export jobs (one per window of at most 31 days), waits for them within the API rate limits, downloads and verifies every part, and merges them into <out>/usage.csv (rows repeated across window boundaries are dropped and counted).

Progress goes to stderr; the token and download links never appear in any output. A rerun with the same range and --out resumes: it reuses the job ids in <out>/export-manifest.json and skips parts already verified.

Exit codes: 0 done (also when there is no usage), 2 bad input, 3 token refused, 4 export failed or API error, 5 timed out (the message carries the resume command).`

  static override examples = [
    {description: 'The last 7 full UTC days (token and org from the environment)', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'A calendar month, dates inclusive', command: '<%= config.bin %> <%= command.id %> --start 2024-10-01 --end 2024-10-31 --out ./october'},
    {description: 'The last 90 days (split into 31-day windows)', command: '<%= config.bin %> <%= command.id %> --days 90 --timeout 2h'},
    {description: 'Include an organization that shares the plan', command: '<%= config.bin %> <%= command.id %> --org-id $ORG --shared-org-id $OTHER_ORG'},
    {description: 'Try it without a token against the built-in simulator', command: '<%= config.bin %> <%= command.id %> --demo --out /tmp/usage-demo'},
  ]

  static override flags = {
    'org-id': Flags.string({
      description: 'Organization id (Organization Settings > Overview). Default: $CIRCLECI_ORG_ID, else $CIRCLE_ORGANIZATION_ID.',
    }),
    token: Flags.string({
      description: 'CircleCI personal API token. Prefer the environment: $CIRCLECI_API_TOKEN, else $CIRCLE_TOKEN.',
    }),
    host: Flags.string({description: `CircleCI host, for server installs. Default: $CIRCLECI_HOST, else ${DEFAULT_HOST}.`}),
    start: Flags.string({
      description: 'First day (YYYY-MM-DD, UTC) or instant (ISO 8601 with a zone, e.g. 2024-11-10T00:00:00Z). At most 366 days back.',
    }),
    end: Flags.string({
      description: 'Last day, inclusive (YYYY-MM-DD, UTC), or an exclusive instant with a zone. A future end is capped to now.',
    }),
    days: Flags.integer({description: 'The N full UTC days before today (default 7). Not with --start/--end.', min: 1}),
    'shared-org-id': Flags.string({description: 'Also export an organization sharing the plan (repeatable).', multiple: true}),
    out: Flags.string({description: 'Output folder for usage.csv, export-manifest.json and downloaded parts.', default: './usage-report'}),
    timeout: Flags.string({description: 'How long to wait for export jobs: 90s, 30m, 2h or seconds.', default: '30m'}),
    demo: Flags.boolean({description: 'Use the built-in Usage API simulator with generated data (no token needed).', default: false}),
  }

  public async run(): Promise<ExportResult> {
    const {flags} = await this.parse(Export)
    const clock = systemClock
    const range = resolveRange({start: flags.start, end: flags.end, days: flags.days}, clock())
    const timeoutMs = parseDuration(flags.timeout, '--timeout')
    const log = (line: string) => this.info(line)
    const common = {sharedOrgIds: flags['shared-org-id'] ?? [], range, outDir: flags.out, timeoutMs}

    const result = flags.demo
      ? await withDemoApi((api) => runExport({...common, ...api}, {clock, log}), clock)
      : await runExport({...common, ...this.credentials(flags)}, {clock, log})

    if (!this.jsonEnabled()) {
      this.log(
        result.empty
          ? `No usage between ${result.range.start} and ${result.range.end}; wrote the header only to ${result.csvPath}`
          : `${result.rows} rows (${result.duplicatesDropped} duplicates dropped) from ${result.windows.length} window(s) -> ${result.csvPath}`,
      )
    }
    return result
  }

  private credentials(flags: {'org-id'?: string; token?: string; host?: string}): {host: string; token: string; orgId: string} {
    const token = flags.token ?? fromEnv('CIRCLECI_API_TOKEN', 'CIRCLE_TOKEN')
    registerSecret(token)
    const orgId = flags['org-id'] ?? fromEnv('CIRCLECI_ORG_ID', 'CIRCLE_ORGANIZATION_ID')
    if (orgId === undefined) {
      throw new BadInputError('E_NO_ORG', 'No organization id: pass --org-id or set CIRCLECI_ORG_ID (Organization Settings > Overview).')
    }
    if (token === undefined) {
      throw new AuthError('E_NO_TOKEN', 'No CircleCI token: set CIRCLECI_API_TOKEN (or pass --token); try --demo to run without one.')
    }
    return {host: flags.host ?? fromEnv('CIRCLECI_HOST') ?? DEFAULT_HOST, token, orgId}
  }
}
