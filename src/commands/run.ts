import {join} from 'node:path'

import {Flags} from '@oclif/core'

import {engineSettings, systemResources} from '../analysis/engine-settings.js'
import {rowsPerPass} from '../analysis/passes.js'
import {BaseCommand} from '../core/base-command.js'
import {systemClock} from '../core/clock.js'
import {withOutFolder} from '../core/out-folder.js'
import {parseDuration} from '../export/duration.js'
import {credentialsFromFlags, exportFlags, exportOptionsFromFlags} from '../export/flags.js'
import {monthComparisonRange, resolveRange, type MonthWindow} from '../export/windows.js'
import {parseBudgets} from '../history/budgets.js'
import {budgetsFromFlags, historyFlags} from '../history/flags.js'
import {runWeekly, type WeeklyResult} from '../pipeline/weekly.js'
import {parsePrice, reportFlags} from '../report/flags.js'
import {healthOptionsFromFlags} from '../report/health-options.js'
import {validateGroupBy} from '../report/index.js'
import {renderSummary, type OutputFormat} from '../report/render.js'
import {dryRunOutput} from '../slack/delivery.js'
import {notifyOptionsFromFlags, notifyThresholds, slackFlags} from '../slack/flags.js'
import {checkLoadOptions, describeLoad, parseTarget} from '../load/index.js'
import {LOAD_TO_VARIABLE, registerTargetSecrets} from '../load/target.js'

const {top: _slackTop, notify: _notify, ...slackTransportFlags} = slackFlags

export default class Run extends BaseCommand {
  static override summary = 'The weekly job: export usage, report it with charts and savings, and post to Slack.'

  static override description = `Exports the window (default: the last 7 full UTC days) and, with --compare previous (the default), the window of equal length before it in the same export (one job per 31 days of both; with --month, the calendar month before: months differ in length); then writes usage.csv, summary.json, by-project.csv, the SVG charts, credits-by-project.png and report.html to --out, prints the summary, and posts to Slack when --notify says so.

Exit codes: 0 done (a Slack failure is a warning unless --strict-notify; a message already posted for the window is skipped), 2 bad input, 3 token refused, 4 export failed or API error, 5 timed out (the message carries the resume command), 6 Slack failed with --strict-notify. With --load-to, the load's own after the report and Slack: 2 a target or table it refuses, 3 the database refused the login or a privilege the load needs, 4 it could not be reached or failed the load.`

  static override examples = [
    {description: 'Everything on the built-in simulator (no token)', command: '<%= config.bin %> <%= command.id %> --demo'},
    {description: 'Last week vs the week before, posted to Slack', command: '<%= config.bin %> <%= command.id %> --notify always --slack-channel C0123456789'},
    {description: 'Preview the Slack message without posting', command: '<%= config.bin %> <%= command.id %> --demo --notify always --dry-run'},
    {description: 'Last calendar month for a shared plan, in dollars, against the month before', command: '<%= config.bin %> <%= command.id %> --month previous --shared-org-id $OTHER_ORG --credit-price 0.0006'},
    {description: 'Keep a history: trend, month-end forecast, budgets and anomalies', command: '<%= config.bin %> <%= command.id %> --history ./usage-history --budgets budgets.yml --notify always --notify-if-budget-at-risk --notify-if-anomaly'},
  ]

  static override flags = {
    ...exportFlags,
    out: Flags.string({description: 'Output folder for every artifact.', default: './usage-report'}),
    ...reportFlags,
    compare: Flags.string({
      options: ['previous', 'none'],
      default: 'previous',
      description:
        'Also export the window of equal length just before, and compare with it. With --month, the calendar month before instead (months differ in length, and a bill is compared month by month): all of it for --month previous, its same days for --month current.',
    }),
    notify: Flags.option({
      options: ['always', 'never'] as const,
      description: 'Post the summary to Slack. Default never; a --notify-if-* threshold alone means always, narrowed to when it holds (with --notify never it is refused).',
      helpGroup: 'SLACK',
    })(),
    ...slackTransportFlags,
    'notify-again': Flags.boolean({
      description: 'With --history: post even the messages this window already got (a rerun skips them: the history folder records each message posted, per window and channel).',
      helpGroup: 'SLACK',
    }),
    'load-to': Flags.string({
      env: LOAD_TO_VARIABLE,
      description: 'After the report, load the export into postgres://..., parquet:DIR or focus:DIR (see `load`; or CCI_USAGE_LOAD_TO).',
    }),
    ...historyFlags,
  }

  public async run(): Promise<Omit<WeeklyResult, 'summary'> & {summary: unknown}> {
    registerTargetSecrets(this.argv, process.env, LOAD_TO_VARIABLE)
    const {flags} = await this.parse(Run)
    const loadTo = flags['load-to'] && flags['load-to'].trim() !== '' ? parseTarget(flags['load-to'], this.argv.some((arg) => arg.startsWith('--load-to')) ? '--load-to' : LOAD_TO_VARIABLE) : undefined
    const clock = systemClock
    const month = flags.month as MonthWindow | undefined
    const range = resolveRange({start: flags.start, end: flags.end, days: flags.days, month}, clock())
    const timeoutMs = parseDuration(flags.timeout, '--timeout')
    const groupBy = validateGroupBy(flags['group-by'] ?? [], Boolean(flags.teams))
    const creditPrice = flags['credit-price'] === undefined ? null : parsePrice(flags['credit-price'])
    if (loadTo) checkLoadOptions(loadTo, {creditPrice})
    // A threshold alone asks for a post when it holds; beside an explicit --notify never it is refused.
    const notifyWanted = flags.notify === 'always' || notifyThresholds(flags).length > 0
    // --demo keeps its history in the output folder (a first run backfills it) and shows the built-in budgets.
    const historyDir = flags.history ?? (flags.demo ? join(flags.out, 'history') : undefined)
    // run's default is --notify never, and a dry run of no message printed nothing about Slack at all.
    if (flags['dry-run'] && !notifyWanted) {
      this.warning('--dry-run shows the Slack message only when run is to post: add --notify always (or a --notify-if-* threshold); with --notify never, the default, there is no message to show')
    }
    if (flags['notify-again'] && flags.history === undefined) {
      this.warning('--notify-again does nothing without --history DIR: only a history folder records the messages posted, so without one every run posts')
    }
    const budgetContext = {creditPrice, hasTeams: Boolean(flags.teams), historyImplied: historyDir !== undefined}
    let budgets = await budgetsFromFlags(flags, budgetContext)
    if (budgets === null && flags.demo) {
      const {DEMO_BUDGETS_NAME, DEMO_BUDGETS_YAML} = await import('../simulator/demo-budgets.js')
      budgets = parseBudgets(DEMO_BUDGETS_NAME, DEMO_BUDGETS_YAML, budgetContext)
    }
    // The report reads these when it opens DuckDB, after the export: a bad value is refused now, before the
    // export spends export jobs (the API allows 10 an hour) and the history's backfill, as every flag is.
    engineSettings(process.env, systemResources())
    rowsPerPass(process.env)
    const notify = notifyWanted
      ? notifyOptionsFromFlags({...flags, notify: 'always', top: Math.min(flags.top, 5)}, flags.out)
      : null

    const log = (line: string) => this.info(line)
    const api = flags.demo ? 'demo' : credentialsFromFlags(flags)
    // --demo shows every part of the report, flaky tests included (the simulator serves them).
    const insights = flags['flaky-tests'] || flags.demo ? api : null
    const health = healthOptionsFromFlags(flags, insights, {clock, log, warn: (line) => this.warning(line)})

    const result = await withOutFolder(flags.out, 'run', {log}, () => runWeekly(
      {
        api,
        ...exportOptionsFromFlags(flags, range, timeoutMs),
        previousRange: month ? monthComparisonRange(month, range) : undefined,
        compare: flags.compare === 'previous' ? 'previous' : 'none',
        report: {
          top: flags.top,
          teamsFile: flags.teams,
          creditPrice,
          groupBy,
          filters: {org: flags.org, project: flags.project, branch: flags.branch},
          toolVersion: this.config.version,
          health,
        },
        notify,
        // Only a --history the user keeps (the orb's cache): the demo's folder in --out is not carried to a rerun.
        notifyOnce: flags.history === undefined ? undefined : {again: flags['notify-again']},
        loadTo,
        history: historyDir === undefined ? undefined : {dir: historyDir, trendWeeks: flags['trend-weeks'], budgets},
      },
      {clock, log, warn: (line) => this.warning(line)},
    ))

    if (!this.jsonEnabled()) {
      const preview = result.notify?.dryRun ? dryRunOutput({organization: result.notify, teams: result.teamNotify, warnings: []}) : undefined
      if (preview) {
        process.stdout.write(JSON.stringify(preview, null, 2) + '\n')
      } else {
        process.stdout.write(await renderSummary(result.summary, flags.format as OutputFormat))
      }
      this.info(`Artifacts in ${flags.out}: ${result.files.join(', ')}`)
      if (result.load) this.info(describeLoad(result.load))
    }
    return result
  }
}
