/** The history's flags as users meet them: the built CLI, --demo with its own history, bad input exits 2. */
import {existsSync, writeFileSync} from 'node:fs'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {Summary} from '../../src/analysis/summary.js'
import {isBuilt, runCli} from '../helpers/cli.js'
import {GOLDEN_EXPORT} from '../helpers/repo.js'

let root: string

beforeAll(async () => {
  if (!isBuilt('run')) throw new Error('dist/ is not built: run `npm run build` first')
  root = await mkdtemp(join(tmpdir(), 'cci-history-cli-'))
})

afterAll(async () => {
  if (root) await rm(root, {recursive: true, force: true})
})

describe('run --demo keeps a history in <out>/history', () => {
  const out = () => join(root, 'demo')

  it('backfills it on the first run and shows trend, forecast, budgets, an anomaly and the weekly chart', async () => {
    const result = await runCli(['run', '--demo', '--out', out()])
    expect(result.stderr).not.toMatch(/^\s+at /m)
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/History .*history: new; .*exported with the report window/)
    expect(result.stderr).toMatch(/in 3 window\(s\)/)
    const summary = JSON.parse(await readFile(join(out(), 'summary.json'), 'utf8')) as Summary
    expect(summary.trend!.weeks).toHaveLength(12)
    expect(summary.trend!.weeks.slice(0, -1).every((week) => week.complete && week.credits > 0)).toBe(true)
    expect(summary.forecast).not.toBeNull()
    expect(summary.budgets!.length).toBeGreaterThanOrEqual(3)
    expect(summary.anomalies!.some((anomaly) => anomaly.scope === 'project' && anomaly.name === 'data-pipeline')).toBe(true)
    expect(summary.artifacts).toEqual(expect.arrayContaining(['credits-by-week.svg', 'credits-by-week.png']))
    expect(result.stdout).toMatch(/Forecast \d{4}-\d{2}|Month \d{4}-\d{2} ended/)
    expect(result.stdout).toMatch(/Budgets: \d of \d at risk/)
    expect(existsSync(join(out(), 'history', 'history.json'))).toBe(true)
  })

  it('needs one export window the next time', async () => {
    const result = await runCli(['run', '--demo', '--out', out()])
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/History .*: found; .*0 missing/)
    expect(result.stderr).toMatch(/in 1 window\(s\)/)
  })

  // Before: 'Input file one of the input files cannot be read as a usage export (Conversion Error: invalid date
  // field format: "-002027-01" ...)': the window's comparison reached before year 1 in DuckDB.
  it('report --history with a --start of year 0 is exit 2 naming the flag, as with an export', async () => {
    const result = await runCli(['report', '--history', join(out(), 'history'), '--out', join(root, 'year-0'), '--start', '0000-01-01'])
    expect(result.code).toBe(2)
    expect(result.stderr.trim()).toMatch(/^Error: The report window 0000-01-01\.\.\d{4}-\d{2}-\d{2} spans [\d,]+ days, more than a report covers \(3,660 days, ten years\): check --start 0000-01-01\.$/)
  })

  it('report --history makes the report offline from it', async () => {
    const result = await runCli(['report', '--history', join(out(), 'history'), '--out', join(root, 'offline'), '--format', 'json'])
    expect(result.code).toBe(0)
    const summary = JSON.parse(result.stdout) as Summary
    expect(summary.window.days).toBe(7)
    expect(new Date(summary.window.start).getUTCDay()).toBe(1)
    expect(summary.totals.credits.total).toBeGreaterThan(0)
    expect(summary.trend!.weeks.length).toBe(12)
    expect(summary.savings).toBeNull()
  })

  it('report --history names the days of the window it does not hold, and writes no chargeback for that month', async () => {
    const offline = join(root, 'offline-gaps')
    const result = await runCli(['report', '--history', join(out(), 'history'), '--start', '2020-01-01', '--end', '2020-01-31', '--out', offline, '--format', 'json'])
    expect(result.code).toBe(0)
    const summary = JSON.parse(result.stdout) as Summary
    expect(summary.window.days).toBe(31)
    expect(summary.input.warnings).toEqual([expect.stringContaining('does not hold 2020-01-01 .. 2020-01-31')])
    expect(result.stderr).toContain('--start 2020-01-01 --end 2020-01-31')
    expect(existsSync(join(offline, 'chargeback-2020-01.csv'))).toBe(false)
  })

  const golden = existsSync(GOLDEN_EXPORT) ? it : it.skip
  golden('report --input beside a history that lacks the window warns that the trend and forecast leave those days out', async () => {
    const result = await runCli(['report', '--input', GOLDEN_EXPORT, '--history', join(out(), 'history'), '--out', join(root, 'input-gaps'), '--format', 'json'])
    expect(result.code).toBe(0)
    const summary = JSON.parse(result.stdout) as Summary
    // The export's own figures are whole; only what comes from the history lacks the window's days.
    expect(summary.totals.credits.total).toBe(532406)
    expect(summary.forecast!.actualToDate).toBe(0)
    const warning = "does not hold 2024-11-10 .. 2024-11-18: the report's trend, forecast, budgets and anomalies leave those days out"
    expect(summary.input.warnings).toEqual([expect.stringContaining(warning)])
    expect(result.stderr).toContain(warning)
  })

  // Before: "matches no org with usage since ...: check the name", a typo hint for a name that is right.
  golden('a budget over days the history does not hold says it reads 0 for that reason, not that its name may be wrong', async () => {
    const budgets = join(root, 'acme-budget.yml')
    writeFileSync(budgets, 'budgets:\n  - {scope: org, name: acme, period: week, credits: 1000}\n')
    const result = await runCli(['report', '--input', GOLDEN_EXPORT, '--history', join(out(), 'history'), '--budgets', budgets, '--out', join(root, 'input-gaps-budget'), '--format', 'json'])
    expect(result.code).toBe(0)
    const summary = JSON.parse(result.stdout) as Summary
    expect(summary.budgets!.map((budget) => [budget.name, budget.actual, budget.status])).toEqual([['acme', 0, 'ok']])
    const budgetLines = (summary.input.warnings ?? []).filter((line) => line.startsWith('Budget '))
    expect(budgetLines).toEqual([expect.stringMatching(/^Budget "acme" \(org, line 2\) reads 0: the history holds no day from \d{4}-\d{2}-\d{2} to 2024-11-18 to judge it on/)])
    expect(result.stderr).not.toContain('check the name')
  })

  it('report --history of the last week it holds whole warns of nothing missing, only of days not final yet', async () => {
    const result = await runCli(['report', '--history', join(out(), 'history'), '--out', join(root, 'offline-whole'), '--format', 'json'])
    expect(result.code).toBe(0)
    const summary = JSON.parse(result.stdout) as Summary
    // The last complete week may end within the 48 hours in which a day's usage still lands.
    const lastFinal = new Date(Date.now() - 48 * 3600_000 - 86_400_000).toISOString().slice(0, 10)
    for (const warning of summary.input.warnings ?? []) {
      expect(warning).toMatch(/^The history holds (\S+)( \.\. (\S+))? as not final yet/)
      expect(/^The history holds (\S+)/.exec(warning)![1] >= lastFinal).toBe(true)
    }
  })

  it('notify --notify-if-anomaly posts only when an anomaly was found', async () => {
    const result = await runCli(['notify', '--out', out(), '--notify-if-anomaly', '--dry-run'])
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/would post: .*anomal(y|ies) found \(--notify-if-anomaly\)/)
  })
})

describe('bad input exits 2 with one line', () => {
  it.each([
    [['report', '--budgets', 'b.yml', '--input', 'x.csv'], /--budgets needs --history DIR/],
    [['report', '--history', 'nowhere-at-all', '--trend-weeks', '53'], /trend-weeks/],
    [['report', '--history', 'nowhere-at-all', '--trend-weeks', '0'], /trend-weeks/],
  ])('%j', async (args, message) => {
    const result = await runCli(args)
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(message)
    expect(result.stderr).not.toMatch(/^\s+at /m)
  })

  it('refuses a report on a folder without a history', async () => {
    const result = await runCli(['report', '--history', join(root, 'empty'), '--out', join(root, 'empty-out')])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/No history in .*empty \(no history\.json\): make one with `cci-usage run --history/)
  })

  it('refuses a bad budgets file, naming the file and line, before any export', async () => {
    const file = join(root, 'budgets.yml')
    await writeFile(file, 'budgets:\n  - scope: org\n    name: acme\n    period: week\n    usd: 100\n')
    const out = join(root, 'never-written')
    const result = await runCli(['run', '--demo', '--budgets', file, '--out', out])
    expect(result.code).toBe(2)
    expect(result.stderr.trim()).toBe(`Error: Budgets file ${file}, line 5: a usd budget needs --credit-price (USD per credit, e.g. 0.0006).`)
    expect(existsSync(out)).toBe(false)
  })
})
