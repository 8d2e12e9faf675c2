/**
 * An export given instants (`export --start 2024-11-12T00:00:00+05:30`, or `--start` alone, which runs to now)
 * starts or ends inside a UTC day; the report counts whole days, so such a day showed only some hours of usage as
 * the day's spend, without a word. The manifest beside usage.csv has the windows: the report names those days.
 */
import {buildReportSummary} from '../../src/analysis/index.js'
import {writeExportFolder} from '../load/fixtures.js'
import {exportCsv, job, tempDir} from './fixtures.js'

const clock = () => new Date('2024-12-05T00:00:00Z')
const ROWS = ['2024-11-11', '2024-11-12', '2024-11-13', '2024-11-14'].map((day, index) => job({JOB_RUN_DATE: day, JOB_ID: `j-${index}`, TOTAL_CREDITS: 10 + index}))
const partialWarnings = (warnings: readonly string[] | undefined) => (warnings ?? []).filter((line) => line.startsWith('The export covers '))

function exportFolder(windows: Array<{start: string; end: string}>): string {
  const [header, ...rows] = exportCsv(ROWS).trimEnd().split('\n')
  return writeExportFolder(tempDir(), {header, rows}, {start: windows[0].start, end: windows[windows.length - 1].end}, windows)
}

describe('report of an export whose windows start or end inside a UTC day', () => {
  it('names both edge days, in the summary too, with the hours the export holds', async () => {
    // --start 2024-11-12T00:00:00+05:30 --end 2024-11-15T00:00:00+05:30
    const input = exportFolder([{start: '2024-11-11T18:30:00.000Z', end: '2024-11-14T18:30:00.000Z'}])
    const result = await buildReportSummary({inputs: [input]}, clock)
    expect(partialWarnings(result.warnings)).toEqual([
      'The export covers 2024-11-11 only from 18:30:00Z, 2024-11-14 only until 18:30:00Z (its windows start or end inside those UTC days), so those days of the report window hold only the usage of those hours and read lower than whole days: give --start and --end as days (YYYY-MM-DD, an --end before today) for whole days.',
    ])
    expect(partialWarnings(result.summary.input.warnings)).toEqual(partialWarnings(result.warnings))
    expect(result.summary.totals.credits.total).toBe(46)
  })

  it('names today of an export that runs to now, to the millisecond, and a day with a gap between two windows', async () => {
    const input = exportFolder([
      {start: '2024-11-11T00:00:00.000Z', end: '2024-11-12T06:00:00.000Z'},
      {start: '2024-11-12T08:00:00.000Z', end: '2024-11-14T15:30:12.345Z'},
    ])
    const result = await buildReportSummary({inputs: [input]}, clock)
    expect(partialWarnings(result.warnings)).toEqual([expect.stringMatching(/^The export covers 2024-11-12 in part, 2024-11-14 only until 15:30:12\.345Z \(/)])
  })

  it('says nothing of windows on midnights, nor of partial days outside --start/--end', async () => {
    const whole = exportFolder([{start: '2024-11-11T00:00:00.000Z', end: '2024-11-13T00:00:00.000Z'}, {start: '2024-11-13T00:00:00.000Z', end: '2024-11-15T00:00:00.000Z'}])
    expect(partialWarnings((await buildReportSummary({inputs: [whole]}, clock)).warnings)).toEqual([])
    const edges = exportFolder([{start: '2024-11-11T18:30:00.000Z', end: '2024-11-14T18:30:00.000Z'}])
    const inside = await buildReportSummary({inputs: [edges], filters: {since: '2024-11-12', until: '2024-11-13'}}, clock)
    expect(partialWarnings(inside.warnings)).toEqual([])
    expect(inside.summary.totals.credits.total).toBe(23)
  })
})
