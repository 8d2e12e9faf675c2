/**
 * A null cell must not move a credit: a row without a JOB_BUILD_STATUS is not a failed row, an organization
 * without a name is grouped under its id (not with other nameless ones), and a filter over several inputs does
 * not keep the rows whose filtered column is null. The golden export with such cells written into it, against
 * sums taken from its text by hand.
 */
import {buildReportSummary} from '../../src/analysis/index.js'
import type {Summary} from '../../src/analysis/summary.js'
import {haveGoldenExport} from '../helpers/repo.js'
import {field, goldenLines, microCredits, NULL_CELL, withFields} from '../load/fixtures.js'
import {tempDir, writeFixture} from './fixtures.js'

const clock = () => new Date('2024-11-20T00:00:00Z')
const micro = (credits: number) => BigInt(Math.round(credits * 1e6))
const sum = (rows: string[]) => rows.reduce((total, row) => total + microCredits(field(row, 'TOTAL_CREDITS')), 0n)

let rows: string[] = []
let summary: Summary | undefined
const have = haveGoldenExport('the null-cell report tests')

beforeAll(async () => {
  if (!have) return
  const golden = goldenLines()
  const orgName = 'hpe-hcss'
  // Every seventh row loses its status; the smallest organization loses its name.
  rows = golden.rows.map((row, index) => {
    let changed = index % 7 === 0 ? withFields(row, {JOB_BUILD_STATUS: NULL_CELL}) : row
    if (field(row, 'ORGANIZATION_NAME') === orgName) changed = withFields(changed, {ORGANIZATION_NAME: NULL_CELL})
    return changed
  })
  const text = [golden.header, ...rows].join('\n') + '\n'
  const input = writeFixture(tempDir(), 'usage.csv', text)
  summary = (await buildReportSummary({inputs: [input]}, clock)).summary
})

describe('null cells in the golden export', () => {
  it('a row without a JOB_BUILD_STATUS is not counted as failed', () => {
    if (!summary) return
    const unknown = rows.filter((row) => field(row, 'JOB_BUILD_STATUS') === NULL_CELL)
    // The rows made status-less carry credits, so counting them as failed would show.
    expect(sum(unknown)).toBeGreaterThan(0n)
    expect(micro(summary.failed.credits)).toBe(sum(rows.filter((row) => field(row, 'JOB_BUILD_STATUS') === 'failed')))
    expect(micro(summary.breakdowns.project.reduce((total, bucket) => total + bucket.failedCredits, 0))).toBe(micro(summary.failed.credits))
    const none = summary.jobStatuses.find((status) => status.status === '(none)')
    expect(micro(none?.credits ?? 0)).toBe(sum(unknown))
  })

  it('an organization without a name is its own entry, under its id', () => {
    if (!summary) return
    const nameless = rows.filter((row) => field(row, 'ORGANIZATION_NAME') === NULL_CELL)
    const ids = [...new Set(nameless.map((row) => field(row, 'ORGANIZATION_ID')))]
    expect(ids).toHaveLength(1)
    const entry = summary.breakdowns.org.find((bucket) => bucket.key === ids[0])
    expect(micro(entry?.credits ?? -1)).toBe(sum(nameless))
    expect(entry?.rows).toBe(nameless.length)
    expect(summary.breakdowns.org.map((bucket) => micro(bucket.credits)).reduce((a, b) => a + b, 0n)).toBe(sum(rows))
  })

  it('--branch over two overlapping inputs leaves out the rows without a branch, as over one input', async () => {
    if (!summary) return
    const golden = goldenLines()
    const byBranch = new Map<string, bigint>()
    for (const row of golden.rows) byBranch.set(field(row, 'VCS_BRANCH'), (byBranch.get(field(row, 'VCS_BRANCH')) ?? 0n) + sum([row]))
    // The rows without a branch carry credits: counting them under a branch would show.
    expect(byBranch.get(NULL_CELL)).toBeGreaterThan(0n)
    const branch = [...byBranch].filter(([name]) => name !== NULL_CELL).sort((a, b) => (b[1] > a[1] ? 1 : -1))[0][0]
    const dir = tempDir()
    const write = (name: string, part: string[]) => writeFixture(dir, name, [golden.header, ...part].join('\n') + '\n')
    const inputs = [write('a.csv', golden.rows.slice(0, 800)), write('b.csv', golden.rows.slice(400))]
    const filtered = (await buildReportSummary({inputs, filters: {branch}}, clock)).summary
    expect(filtered.input.duplicateRowsDropped).toBe(400)
    expect(micro(filtered.totals.credits.total)).toBe(byBranch.get(branch))
    expect(filtered.totals.rows).toBe(golden.rows.filter((row) => field(row, 'VCS_BRANCH') === branch).length)
  })
})
