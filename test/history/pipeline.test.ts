/**
 * run --history end to end, in-process against the simulator with a fake clock: the POSTs a cold and a warm run
 * spend, exact weekly credits, idempotent re-runs, rebuilding after deletion, filters, and the report made from
 * the history alone.
 */
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {hostname, tmpdir} from 'node:os'
import {join} from 'node:path'

import {DuckDBInstance} from '@duckdb/node-api'

import {sqlString} from '../../src/analysis/columns.js'
import type {Summary} from '../../src/analysis/summary.js'
import {BadInputError, InputFileError} from '../../src/core/errors.js'
import {LOCK_FILE} from '../../src/core/folder-lock.js'
import {forgetSecrets} from '../../src/core/secrets.js'
import {shiftDay} from '../../src/history/days.js'
import {HISTORY_FILE, type HistoryManifest} from '../../src/history/store.js'
import type {WeeklyOptions} from '../../src/pipeline/weekly.js'
import {generateReport} from '../../src/report/index.js'
import {startSimulator, type Simulator} from '../../src/simulator/index.js'
import {columnIndex, fakeTime} from '../export/helpers.js'
import {runWeekBefore} from './weekly-run.js'

const T0 = '2024-11-18T06:00:00Z' // a Monday morning
const DAY = 86_400_000

let sim: Simulator
let time: ReturnType<typeof fakeTime>
let root: string

beforeAll(async () => {
  time = fakeTime(T0)
  sim = await startSimulator({clock: time.clock, pendingPolls: 1})
  root = await mkdtemp(join(tmpdir(), 'cci-history-'))
})

afterAll(async () => {
  await sim?.close()
  await rm(root, {recursive: true, force: true})
  forgetSecrets()
})

const posts = () => sim.requests.filter((request) => request.server === 'api' && request.method === 'POST').length

async function run(name: string, history: string, overrides: Partial<WeeklyOptions> = {}, trendWeeks = 12) {
  const [, ...sharedOrgIds] = sim.datasetOrgIds
  const before = posts()
  const result = await runWeekBefore({sim, time, root}, name, {sharedOrgIds, history: {dir: join(root, history), trendWeeks, budgets: null}, ...overrides})
  return {summary: result.summary, posts: posts() - before, result}
}

/** Credits and rows per stored day, read straight from the Parquet files. */
async function storedDays(history: string): Promise<Record<string, string>> {
  const manifest = JSON.parse(await readFile(join(root, history, HISTORY_FILE), 'utf8')) as HistoryManifest
  const files = manifest.parts.map((part) => sqlString(join(root, history, part.rollup.file)))
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  try {
    const rows = (
      await connection.runAndReadAll(
        `SELECT CAST(JOB_RUN_DATE AS VARCHAR) AS day, CAST(SUM(TOTAL_CREDITS) AS VARCHAR) AS credits, SUM(ROWS) AS n FROM read_parquet([${files.join(', ')}]) GROUP BY 1 ORDER BY 1`,
      )
    ).getRowObjects()
    return Object.fromEntries(rows.map((row) => [String(row.day), `${row.credits} in ${row.n} rows`]))
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}

/** What the API serves for [start, end) by run time, summed: what "an export of that week" holds. */
function exportedCredits(start: string, end: string): number {
  const total = columnIndex(sim.header, 'TOTAL_CREDITS')
  const date = columnIndex(sim.header, 'JOB_RUN_DATE')
  const lines = sim.expectedRows(sim.datasetOrgIds, new Date(`${start}T00:00:00Z`), new Date(Date.parse(`${end}T00:00:00Z`) - 1))
  return lines.filter((line) => {
    const day = line.split(',')[date]
    return day >= start && day < end
  }).reduce((sum, line) => sum + Number(line.split(',')[total]), 0)
}

describe('run --history', () => {
  let cold: Summary

  it('a cold start with --trend-weeks 12 spends at most 4 POSTs and fills 12 ISO weeks', async () => {
    const first = await run('cold', 'history')
    cold = first.summary
    expect(first.posts).toBeLessThanOrEqual(4)
    expect(first.posts).toBe(3)
    const weeks = cold.trend!.weeks
    expect(weeks).toHaveLength(12)
    expect(weeks.at(-1)).toMatchObject({start: '2024-11-11', end: '2024-11-18', complete: true})
    expect(weeks[0].start).toBe('2024-08-26')
    expect(weeks.every((week) => week.complete && week.credits > 0)).toBe(true)
  })

  it('gives every complete week exactly the credits of an export of that week', () => {
    for (const week of cold.trend!.weeks) expect(week.credits).toBe(exportedCredits(week.start, week.end))
    // The trend's last week is the report window here (Monday to Sunday): the same figure both ways.
    expect(cold.trend!.weeks.at(-1)!.credits).toBe(cold.totals.credits.total)
  })

  it('fills the forecast, the anomalies and the split the chart stacks', () => {
    expect(cold.forecast).toMatchObject({period: '2024-11', daysElapsed: 17, daysInPeriod: 30})
    expect(cold.forecast!.low).toBeLessThanOrEqual(cold.forecast!.projected)
    expect(cold.forecast!.projected).toBeLessThanOrEqual(cold.forecast!.high)
    const spikeDay = shiftDay('2024-11-18', -3)
    expect(cold.anomalies).toEqual(expect.arrayContaining([expect.objectContaining({day: spikeDay, scope: 'project', name: 'data-pipeline'})]))
    for (const week of cold.trend!.weeks) {
      const split = cold.trend!.split.points.filter((point) => point.week === week.start).reduce((sum, point) => sum + point.credits, 0)
      expect(split).toBeCloseTo(week.credits, 6)
    }
  })

  it('running the same week again spends one POST and leaves every stored day identical', async () => {
    const before = await storedDays('history')
    const again = await run('again', 'history')
    expect(again.posts).toBe(1)
    expect(await storedDays('history')).toEqual(before)
    expect(again.summary.trend).toEqual(cold.trend)
    expect(again.summary.forecast).toEqual(cold.forecast)
    expect(again.summary.anomalies).toEqual(cold.anomalies)
  })

  it('running again into the same folder the same day (a rerun, or one killed after the history update) spends no POST', async () => {
    const before = await storedDays('history')
    const csv = await readFile(join(root, 'cold', 'usage.csv'), 'utf8')
    const rerun = await run('cold', 'history')
    expect(rerun.posts).toBe(0)
    // usage.csv still holds every day the first run exported, the history's days included.
    expect(await readFile(join(root, 'cold', 'usage.csv'), 'utf8')).toBe(csv)
    expect(await storedDays('history')).toEqual(before)
    expect(rerun.summary.totals).toEqual(cold.totals)
    expect(rerun.summary.trend).toEqual(cold.trend)
    expect(rerun.summary.forecast).toEqual(cold.forecast)
  })

  it('deleting the history and running again rebuilds the same figures', async () => {
    const before = await storedDays('history')
    await rm(join(root, 'history'), {recursive: true})
    const rebuilt = await run('rebuilt', 'history')
    expect(rebuilt.posts).toBe(3)
    expect(await storedDays('history')).toEqual(before)
    expect(rebuilt.summary.trend).toEqual(cold.trend)
    expect(rebuilt.summary.forecast).toEqual(cold.forecast)
  })

  it('keeps every project in the history when the report is filtered, and filters the trend', async () => {
    const filtered = await run('filtered', 'history-filtered', {report: {top: 10, creditPrice: null, groupBy: [], filters: {project: 'api-gateway'}}})
    expect(await storedDays('history-filtered')).toEqual(await storedDays('history'))
    const week = filtered.summary.trend!.weeks.at(-1)!
    expect(week.credits).toBe(filtered.summary.totals.credits.total)
    expect(week.credits).toBeLessThan(cold.trend!.weeks.at(-1)!.credits)
    expect(new Set(filtered.summary.trend!.split.points.map((point) => point.key))).toEqual(new Set(['api-gateway']))
  })

  it('a week later, a warm run spends one POST and the history reads the new week', async () => {
    await time.sleep(7 * DAY)
    try {
      const warm = await run('warm', 'history')
      expect(warm.posts).toBeLessThanOrEqual(1)
      expect(warm.summary.trend!.weeks.at(-1)!.start).toBe('2024-11-18')
      const manifest = JSON.parse(await readFile(join(root, 'history', HISTORY_FILE), 'utf8')) as HistoryManifest
      expect(manifest.days['2024-11-16'].final).toBe(true)
      expect(manifest.days['2024-11-17'].final).toBe(true)
      expect(manifest.days['2024-11-24'].final).toBe(false)
    } finally {
      time = fakeTime(T0)
    }
  })

  it('asks for no instant in the future when the report window reaches into today', async () => {
    const now = time.clock()
    const today = new Date(Math.floor(now.getTime() / DAY) * DAY)
    const partial = await run('today', 'history-today', {range: {start: new Date(today.getTime() - 6 * DAY), end: new Date(Math.floor(now.getTime() / 1000) * 1000)}})
    expect(partial.summary.window.end).toBe(new Date(today.getTime() + DAY).toISOString())
    // Today is not a whole day of the export: not stored, so its week is not complete.
    const manifest = JSON.parse(await readFile(join(root, 'history-today', HISTORY_FILE), 'utf8')) as HistoryManifest
    expect(manifest.days[today.toISOString().slice(0, 10)]).toBeUndefined()
    expect(partial.summary.trend!.weeks.at(-1)!.complete).toBe(false)
  })

  it('refuses a history made for other organizations, before spending any POST', async () => {
    const manifestPath = join(root, 'history', HISTORY_FILE)
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as HistoryManifest
    const other = join(root, 'other-orgs')
    await rm(other, {recursive: true, force: true})
    await import('node:fs/promises').then((fs) => fs.mkdir(other))
    await writeFile(join(other, HISTORY_FILE), JSON.stringify({...manifest, organizations: ['someone-else'], files: {}}))
    const before = posts()
    const error = await run('refused', 'other-orgs').catch((failure: unknown) => failure)
    expect(error).toBeInstanceOf(BadInputError)
    expect((error as Error).message).toMatch(/made for organizations someone-else, not .*d687|made for organizations someone-else, not /)
    for (const id of sim.datasetOrgIds) expect((error as Error).message).toContain(id)
    expect(posts()).toBe(before)
  })

  it('lets one run at a time update a history: a second one stops before any POST, naming the first and --history', async () => {
    // Another live process holds it (pid 1 runs on this host and started before the lock was written).
    const lockPath = join(root, 'history', LOCK_FILE)
    await writeFile(lockPath, JSON.stringify({pid: 1, hostname: hostname(), command: 'run --history', startedAt: new Date().toISOString(), nonce: 'other'}))
    try {
      const before = posts()
      const error = await run('second', 'history').catch((failure: unknown) => failure)
      expect(error).toBeInstanceOf(BadInputError)
      expect((error as BadInputError).code).toBe('E_OUT_LOCKED')
      expect((error as Error).message).toContain('pid 1 on')
      expect((error as Error).message).toContain('use another --history')
      expect(posts()).toBe(before)
    } finally {
      await rm(lockPath, {force: true})
    }
    // Released: the next run takes it.
    await expect(run('third', 'history')).resolves.toBeDefined()
  })
})

describe('report --history (offline)', () => {
  const ignored = ({generatedAt: _g, input: _i, savings: _s, artifacts: _a, ...rest}: Summary) => rest

  it('rebuilds every breakdown of a stored week exactly as the report of the export does', async () => {
    const filters = {since: '2024-11-04', until: '2024-11-10'}
    const context = {clock: time.clock}
    const fromHistory = await generateReport({inputs: [], outDir: join(root, 'offline'), filters, compare: 'previous', teamsFile: undefined, history: {dir: join(root, 'history'), trendWeeks: 12, budgets: null}}, context)
    const fromExport = await generateReport({inputs: [join(root, 'cold', 'usage.csv')], outDir: join(root, 'online'), filters, compare: 'previous', history: {dir: join(root, 'history'), trendWeeks: 12, budgets: null}}, context)
    expect(fromHistory.summary.totals.credits.total).toBeGreaterThan(0)
    expect(ignored(fromHistory.summary)).toEqual(ignored(fromExport.summary))
    expect(fromHistory.summary.savings).toBeNull()
  })

  it('defaults to the last complete ISO week of the history', async () => {
    const {summary} = await generateReport({inputs: [], outDir: join(root, 'default-week'), history: {dir: join(root, 'history'), trendWeeks: 4, budgets: null}}, {clock: time.clock})
    expect(summary.window.start).toBe('2024-11-18T00:00:00.000Z')
    expect(summary.trend!.weeks).toHaveLength(4)
  })

  it('names a damaged file in one line that says how to rebuild', async () => {
    const copy = join(root, 'damaged')
    await import('node:fs/promises').then((fs) => fs.cp(join(root, 'history'), copy, {recursive: true}))
    const manifest = JSON.parse(await readFile(join(copy, HISTORY_FILE), 'utf8')) as HistoryManifest
    const report = () => generateReport({inputs: [], outDir: join(root, 'damaged-out'), history: {dir: copy, trendWeeks: 12, budgets: null}}, {clock: time.clock})
    // A daily file of an early month (the trend reads it), then the rollup file of the reported week's month.
    for (const file of [join(copy, manifest.parts[0].daily.file), join(copy, manifest.parts.at(-1)!.rollup.file)]) {
      const bytes = await readFile(file)
      const damaged = Buffer.from(bytes)
      damaged.fill(0x41, 4, bytes.length - 8)
      await writeFile(file, damaged)
      const error = await report().catch((failure: unknown) => failure)
      expect(error).toBeInstanceOf(InputFileError)
      expect((error as Error).message).toContain(file)
      expect((error as Error).message).toMatch(/delete the folder .*damaged and run again/)
      expect((error as Error).message.split('\n')).toHaveLength(1)
      await writeFile(file, bytes)
    }
    const file = join(copy, manifest.parts.at(-1)!.rollup.file)
    const bytes = await readFile(file)

    await writeFile(file, bytes.subarray(0, 100))
    expect(((await report().catch((failure: unknown) => failure)) as Error).message).toMatch(/has 100 bytes where \d+ were written/)
    await rm(file)
    expect(((await report().catch((failure: unknown) => failure)) as Error).message).toMatch(/is missing; delete the folder/)
    await writeFile(join(copy, HISTORY_FILE), '{"schemaVersion": 1,')
    expect(((await report().catch((failure: unknown) => failure)) as Error).message).toMatch(/history\.json is not valid JSON; delete the folder/)
  })

  it('names a file with a changed byte that DuckDB still reads (same size, other figures)', async () => {
    const copy = join(root, 'changed')
    await import('node:fs/promises').then((fs) => fs.cp(join(root, 'history'), copy, {recursive: true}))
    const manifest = JSON.parse(await readFile(join(copy, HISTORY_FILE), 'utf8')) as HistoryManifest
    const largest = manifest.parts.reduce((most, part) => (part.rollup.rows > most.rollup.rows ? part : most))
    const file = join(copy, largest.rollup.file)
    const bytes = await readFile(file)
    // The first byte, after the magic number, whose change DuckDB decodes without an error into other rows.
    const instance = await DuckDBInstance.create(':memory:')
    const connection = await instance.connect()
    const content = async () => String((await connection.runAndReadAll(`SELECT SUM(hash(t))::VARCHAR AS h FROM read_parquet(${sqlString(file)}) AS t`)).getRowObjects()[0].h)
    const original = await content()
    let changedAt = -1
    for (let offset = 4; offset < bytes.length - 8 && changedAt < 0; offset++) {
      const changed = Buffer.from(bytes)
      changed[offset] ^= 0x01
      await writeFile(file, changed)
      const read = await content().catch(() => null)
      if (read !== null && read !== original) changedAt = offset
    }
    connection.closeSync()
    instance.closeSync()
    expect(changedAt).toBeGreaterThan(0)

    const error = await generateReport({inputs: [], outDir: join(root, 'changed-out'), history: {dir: copy, trendWeeks: 12, budgets: null}}, {clock: time.clock}).catch((failure: unknown) => failure)
    expect(error).toBeInstanceOf(InputFileError)
    expect((error as Error).message).toContain(`${file} is not the file that was written`)
    expect((error as Error).message).toMatch(/delete the folder .*changed and run again/)
  })

  it('says so when the folder holds no history', async () => {
    const error = await generateReport({inputs: [], outDir: join(root, 'none-out'), history: {dir: join(root, 'nowhere'), trendWeeks: 12, budgets: null}}, {clock: time.clock}).catch((failure: unknown) => failure)
    expect(error).toBeInstanceOf(BadInputError)
    expect((error as Error).message).toMatch(/No history in .*nowhere .*cci-usage run --history/)
  })
})
