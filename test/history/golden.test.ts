/**
 * The history built from the real export in ../shared/data: its weeks and days hold exactly the export's credits,
 * and the report made from the history alone equals the report of the export.
 */
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {readFileSync} from 'node:fs'
import {gunzipSync} from 'node:zlib'

import type {Summary} from '../../src/analysis/summary.js'
import {generateReport} from '../../src/report/index.js'
import {GOLDEN_EXPORT, haveGoldenExport} from '../helpers/repo.js'
import {microCreditsByDay} from '../helpers/credits-by-day.js'

const maybe = haveGoldenExport('the history golden test') ? describe : describe.skip
const clock = () => new Date('2024-11-25T12:00:00Z')

const credits = (micro: bigint) => Number(micro) / 1_000_000

maybe('a history of the real export', () => {
  let dir: string
  let stored: Summary

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cci-history-golden-'))
    const organizations = ['golden-a', 'golden-b']
    const result = await generateReport(
      {
        inputs: [GOLDEN_EXPORT],
        outDir: join(dir, 'out'),
        filters: {since: '2024-11-11', until: '2024-11-17'},
        history: {
          dir: join(dir, 'history'),
          trendWeeks: 2,
          budgets: null,
          // The export's range, as its file name says: job runs from 2024-11-10 to 2024-11-18.
          update: {organizations, windows: [{start: '2024-11-10T00:00:00.000Z', end: '2024-11-19T00:00:00.000Z', createdAt: '2025-03-27T20:19:55.000Z'}]},
        },
      },
      {clock},
    )
    stored = result.summary
  })

  afterAll(async () => {
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('gives the complete ISO week 2024-11-11 exactly the credits of the export for that week', () => {
    const byDay = microCreditsByDay(gunzipSync(readFileSync(GOLDEN_EXPORT)).toString('utf8'))
    let week = 0n
    for (const [day, micro] of byDay) if (day >= '2024-11-11' && day < '2024-11-18') week += micro
    const trendWeek = stored.trend!.weeks.find((entry) => entry.start === '2024-11-11')!
    expect(trendWeek).toMatchObject({end: '2024-11-18', complete: true})
    expect(trendWeek.credits).toBe(credits(week))
    expect(trendWeek.credits).toBe(stored.totals.credits.total)
    // The week before holds only its Sunday (2024-11-10): not complete.
    expect(stored.trend!.weeks[0]).toMatchObject({start: '2024-11-04', complete: false, credits: credits(byDay.get('2024-11-10')!)})
  })

  it("gives the week's failed credits and jobs from the history's daily files as the export's text has them", () => {
    const [headerLine, ...lines] = gunzipSync(readFileSync(GOLDEN_EXPORT)).toString('utf8').split('\n').filter((line) => line !== '')
    const header = headerLine.split(',')
    const cell = (line: string, name: string) => line.split(',')[header.indexOf(name)]
    const week = lines.filter((line) => cell(line, 'JOB_RUN_DATE') >= '2024-11-11' && cell(line, 'JOB_RUN_DATE') < '2024-11-18')
    const failed = week.filter((line) => cell(line, 'JOB_BUILD_STATUS') === 'failed')
    const failedMicro = microCreditsByDay([headerLine, ...failed].join('\n'))
    const trendWeek = stored.trend!.weeks.find((entry) => entry.start === '2024-11-11')!
    // Failed credits are a part of the week's credits, not all of them.
    expect(trendWeek.failedCredits).toBe(credits([...failedMicro.values()].reduce((a, b) => a + b, 0n)))
    expect(trendWeek.failedCredits).toBeLessThan(trendWeek.credits)
    expect(trendWeek.jobs).toBe(week.filter((line) => cell(line, 'JOB_NAME') !== '\\\\N').length)
  })

  it('reports the export exactly as without a history, filtered or not (with one, its cube is built from the rollup)', async () => {
    const withoutHistory = ({generatedAt: _g, artifacts: _a, trend: _t, forecast: _f, budgets: _b, anomalies: _n, ...rest}: Summary) => rest
    for (const filters of [{since: '2024-11-11', until: '2024-11-17'}, {since: '2024-11-11', until: '2024-11-17', project: 'det*', branch: 'main'}, {org: 'pachyderm'}]) {
      const history = join(dir, `history-${JSON.stringify(filters).length}`)
      const update = {organizations: ['golden'], windows: [{start: '2024-11-10T00:00:00.000Z', end: '2024-11-19T00:00:00.000Z'}]}
      const withOne = await generateReport({inputs: [GOLDEN_EXPORT], outDir: join(dir, 'with'), filters, compare: 'previous', history: {dir: history, trendWeeks: 2, budgets: null, update}}, {clock})
      const plain = await generateReport({inputs: [GOLDEN_EXPORT], outDir: join(dir, 'plain'), filters, compare: 'previous'}, {clock})
      expect(withoutHistory(withOne.summary)).toEqual(withoutHistory(plain.summary))
      expect(plain.summary.totals.rows).toBeGreaterThan(0)
    }
  })

  it('rebuilds the week offline exactly as the report of the export', async () => {
    const filters = {since: '2024-11-11', until: '2024-11-17'}
    const offline = await generateReport({inputs: [], outDir: join(dir, 'offline'), filters, history: {dir: join(dir, 'history'), trendWeeks: 2, budgets: null}}, {clock})
    const strip = ({generatedAt: _g, input: _i, savings: _s, artifacts: _a, ...rest}: Summary) => rest
    expect(strip(offline.summary)).toEqual(strip(stored))
    expect(offline.summary.totals.credits).toEqual(stored.totals.credits)
  })
})
