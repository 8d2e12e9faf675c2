#!/usr/bin/env node
/**
 * One report as `run` makes it after its export (src/pipeline/weekly.ts): generateReport with savings, charts and
 * HTML, and with `history` the history stage too (store the export's days, then trend, forecast and anomalies
 * from the whole history). Spawned and measured by bench/history.js; not a user-facing command.
 *
 *   node bench/history-child.js <plain|history> <csv> <out> <since> <until> [historyDir] [exportStart]
 *
 * exportStart: the day the run's export began, when it is earlier than `since` (the weekly run exports the week
 * before too, for the comparison, and the history takes every day of that export).
 */
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const load = (path) => import(pathToFileURL(join(root, 'dist', path)).href)
const {generateReport} = await load('report/index.js')
const {fullReportHooks} = await load('report/hooks.js')

const [mode, csv, outDir, since, until, historyDir, exportStart = since] = process.argv.slice(2)
const end = new Date(Date.parse(`${until}T00:00:00Z`) + 86_400_000)
// As the weekly schedule runs: the Monday morning after the week.
const clock = () => new Date(end.getTime() + 6 * 3_600_000)
const history =
  mode === 'history'
    ? {
        dir: historyDir,
        trendWeeks: 52,
        budgets: null,
        update: {organizations: ['bench-orgs'], windows: [{start: `${exportStart}T00:00:00.000Z`, end: end.toISOString(), createdAt: clock().toISOString()}]},
      }
    : undefined
const {summary} = await generateReport(
  {inputs: [csv], outDir, filters: {since, until}, compare: 'previous', top: 10, creditPrice: null, groupBy: [], history, ...fullReportHooks(10)},
  {clock, log: (line) => process.stderr.write(`${line}\n`)},
)
process.stdout.write(JSON.stringify({rows: summary.totals.rows, credits: summary.totals.credits.total, weeks: summary.trend?.weeks.length ?? 0}) + '\n')
