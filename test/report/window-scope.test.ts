/**
 * A report window given by --start/--end bounds every figure read through the window's SQL (rangeSql), not only
 * the breakdowns: the shared plan's credits per organization are those of the window's days, the first and the
 * last included, the day after left out. The golden export, against sums taken from its text by hand.
 */
import {buildReportSummary} from '../../src/analysis/index.js'
import {haveGoldenExport} from '../helpers/repo.js'
import {field, goldenLines, microCredits} from '../load/fixtures.js'
import {tempDir, writeFixture} from './fixtures.js'

const clock = () => new Date('2024-11-20T00:00:00Z')
const micro = (credits: number) => BigInt(Math.round(credits * 1e6))

describe('the report window bounds the shared plan', () => {
  it("each organization's credits are those of the window's days, both ends included", async () => {
    if (!haveGoldenExport('the report window scope test')) return
    const golden = goldenLines()
    const input = writeFixture(tempDir(), 'usage.csv', [golden.header, ...golden.rows].join('\n') + '\n')
    const since = '2024-11-12'
    const until = '2024-11-14'
    const inWindow = golden.rows.filter((row) => field(row, 'JOB_RUN_DATE') >= since && field(row, 'JOB_RUN_DATE') <= until)
    // Both ends and the day after hold credits, so a bound off by one day shows.
    for (const day of [since, until, '2024-11-15']) {
      expect(golden.rows.filter((row) => field(row, 'JOB_RUN_DATE') === day).reduce((sum, row) => sum + microCredits(field(row, 'TOTAL_CREDITS')), 0n)).toBeGreaterThan(0n)
    }
    const expected = new Map<string, bigint>()
    for (const row of inWindow) expected.set(field(row, 'ORGANIZATION_ID'), (expected.get(field(row, 'ORGANIZATION_ID')) ?? 0n) + microCredits(field(row, 'TOTAL_CREDITS')))
    const ids = [...new Set(golden.rows.map((row) => field(row, 'ORGANIZATION_ID')))]
    const sharedPlan = {primaryOrgId: ids[0], orgs: ids.map((id) => ({id, name: null, vcsType: 'github'}))}

    const {summary} = await buildReportSummary({inputs: [input], filters: {since, until}, sharedPlan}, clock)
    expect(micro(summary.totals.credits.total)).toBe([...expected.values()].reduce((a, b) => a + b, 0n))
    expect(new Map(summary.sharedPlan!.orgs.map((org) => [org.id, micro(org.credits)]))).toEqual(new Map(ids.map((id) => [id, expected.get(id) ?? 0n])))
  })
})
