import {join} from 'node:path'

import {Flags} from '@oclif/core'

import {BaseCommand} from '../core/base-command.js'
import {systemClock} from '../core/clock.js'
import {withOutFolder} from '../core/out-folder.js'
import {parseDay} from '../analysis/scope.js'
import {budgetsFromFlags, historyFlags} from '../history/flags.js'
import type {Summary} from '../analysis/summary.js'
import {exportFlags, tokenAndHostFromFlags} from '../export/flags.js'
import {parsePrice, reportFlags} from '../report/flags.js'
import {healthOptionsFromFlags} from '../report/health-options.js'
import {fullReportHooks} from '../report/hooks.js'
import {generateReport} from '../report/index.js'
import {renderSummary, type OutputFormat} from '../report/render.js'

export default class Report extends BaseCommand {
  static override summary = 'Summarise a usage export: totals, breakdowns, failed-job cost, week-over-week change.'

  static override description = `Reads a CircleCI usage export (a merged CSV, .csv.gz, the raw parts of one export, or a folder of them) in one pass and writes to <out>: summary.json, by-project.csv, by-job.csv, a by-<dim>.csv for each --group-by (and by-org.csv for two organizations or more), the SVG charts, credits-by-project.png and report.html; with --teams, teams/<team>.html and .json; for one whole calendar month, chargeback-YYYY-MM.csv. Credits are summed exactly and rounded only for display.

Exit codes: 0 done, 2 bad input (flag, missing or malformed file: the message names the file and line), 3 --flaky-tests without a CircleCI token.`

  static override examples = [
    {description: 'Report on the export in ./usage-report', command: '<%= config.bin %> <%= command.id %>'},
    {
      description: 'The last 7 days of an export holding 14 (export --days 14) against the 7 before (GNU date)',
      command: `<%= config.bin %> <%= command.id %> --input usage.csv --start "$(date -u -d '7 days ago' +%F)" --compare previous`,
    },
    {description: 'Costs per team in dollars, as Markdown', command: '<%= config.bin %> <%= command.id %> --teams teams.yml --group-by team --credit-price 0.0006 --format markdown'},
    {description: 'Only the web projects on main', command: "<%= config.bin %> <%= command.id %> --project 'web-*' --branch main"},
    {description: 'Health with priced flaky tests from CircleCI Insights (token from CIRCLECI_API_TOKEN)', command: '<%= config.bin %> <%= command.id %> --flaky-tests --default-branch develop'},
    {description: 'The last complete week of a stored history, offline, with trend, forecast, budgets and anomalies', command: '<%= config.bin %> <%= command.id %> --history ./usage-history --budgets budgets.yml'},
  ]

  static override flags = {
    ...reportFlags,
    input: Flags.string({char: 'i', multiple: true, description: 'Usage export: .csv, .csv.gz, export parts or a folder of them (repeatable; a JOB_ID in several is counted once, from the last). Default: <out>/usage.csv.'}),
    out: Flags.string({char: 'o', default: './usage-report', description: 'Folder for summary.json, the by-*.csv files, the charts and report.html.'}),
    // The same names as export and run; --since/--until, the first spelling, still work.
    start: Flags.string({aliases: ['since'], description: 'First day, YYYY-MM-DD (UTC). Default: the first JOB_RUN_DATE in the data. Alias: --since.'}),
    end: Flags.string({aliases: ['until'], description: 'Last day, inclusive, YYYY-MM-DD (UTC). Default: the last JOB_RUN_DATE in the data. Alias: --until.'}),
    compare: Flags.string({options: ['previous', 'none'], default: 'none', description: 'Compare with the window of equal length just before (from the same input or --previous-input).'}),
    'previous-input': Flags.string({multiple: true, description: 'A separate export holding the previous window (implies --compare previous).'}),
    token: Flags.string({description: 'CircleCI personal API token, for --flaky-tests only. Prefer the environment: $CIRCLECI_API_TOKEN, else $CIRCLE_TOKEN.'}),
    host: exportFlags.host,
    ...historyFlags,
  }

  public async run(): Promise<Summary> {
    const {flags} = await this.parse(Report)
    const creditPrice = flags['credit-price'] === undefined ? null : parsePrice(flags['credit-price'])
    const log = (line: string) => this.info(line)
    const insights = flags['flaky-tests'] ? tokenAndHostFromFlags(flags, 'it is needed to read flaky tests, or drop --flaky-tests') : null
    const health = healthOptionsFromFlags(flags, insights, {clock: systemClock, log, warn: (line) => this.warning(line)})
    const budgets = await budgetsFromFlags(flags, {creditPrice, hasTeams: Boolean(flags.teams)})
    const {summary} = await withOutFolder(flags.out, 'report', {log}, () => generateReport(
      {
        // With --history and no --input the report is made from the history alone (offline).
        inputs: flags.input && flags.input.length > 0 ? flags.input : flags.history ? [] : [join(flags.out, 'usage.csv')],
        previousInputs: flags['previous-input'],
        outDir: flags.out,
        filters: {
          org: flags.org,
          project: flags.project,
          branch: flags.branch,
          since: flags.start === undefined ? undefined : parseDay(this.typedFlag('start', 'since'), flags.start),
          until: flags.end === undefined ? undefined : parseDay(this.typedFlag('end', 'until'), flags.end),
        },
        compare: flags.compare === 'previous' ? 'previous' : 'none',
        top: flags.top,
        teamsFile: flags.teams,
        creditPrice,
        groupBy: (flags['group-by'] ?? []).map((value) => value.trim()).filter((value) => value !== '') as never[],
        toolVersion: this.config.version,
        history: flags.history ? {dir: flags.history, trendWeeks: flags['trend-weeks'], budgets} : undefined,
        ...fullReportHooks(flags.top, health),
      },
      {clock: systemClock, log, warn: (line) => this.warning(line)},
    ))
    if (!this.jsonEnabled()) process.stdout.write(await renderSummary(summary, flags.format as OutputFormat))
    return summary
  }

  /** The flag name as typed (an alias or the name), so a message names what the user wrote. */
  private typedFlag(name: string, alias: string): string {
    return this.argv.some((arg) => arg === `--${alias}` || arg.startsWith(`--${alias}=`)) ? alias : name
  }
}

