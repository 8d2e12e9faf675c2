/**
 * A window given by date (--start/--end, --month, the comparison window) that reaches days the input has no rows
 * on: those days read as days without spend, though the input may not hold them (a chargeback of a month made
 * from a week of it). The report says so, unless the export's own manifest shows it covered them.
 */
import {buildReportSummary} from '../../src/analysis/index.js'
import {windowBeyondDataWarning} from '../../src/analysis/input-notices.js'
import {writeExportFolder} from '../load/fixtures.js'
import {exportCsv, job, tempDir, writeFixture} from './fixtures.js'

const clock = () => new Date('2024-12-05T00:00:00Z')
// Rows on the 12th to the 14th of November only.
const ROWS = ['2024-11-12', '2024-11-13', '2024-11-14'].map((day, index) => job({JOB_RUN_DATE: day, JOB_ID: `j-${index}`, TOTAL_CREDITS: 10 + index}))
const reachWarnings = (warnings: readonly string[] | undefined) => (warnings ?? []).filter((line) => line.includes('reaches days the input has no rows on'))

/** The rows as usage.csv, with the export-manifest.json of `windows` beside it (none when null). */
function exportFolder(windows: Array<{start: string; end: string}> | null): string {
  const dir = tempDir()
  if (!windows) return writeFixture(dir, 'usage.csv', exportCsv(ROWS))
  const [header, ...rows] = exportCsv(ROWS).trimEnd().split('\n')
  return writeExportFolder(dir, {header, rows}, {start: windows[0].start, end: windows[windows.length - 1].end}, windows)
}

describe('windowBeyondDataWarning', () => {
  const data = {first: '2024-11-12', last: '2024-11-14'}
  it('says nothing for a window inside the days with rows', () => {
    expect(windowBeyondDataWarning('report window', {start: '2024-11-12', end: '2024-11-15'}, data, [])).toBeNull()
  })

  it('names the days before the first and after the last day with rows, a single day once', () => {
    expect(windowBeyondDataWarning('report window', {start: '2024-11-10', end: '2024-11-16'}, data, [])).toBe(
      'The report window 2024-11-10..2024-11-15 reaches days the input has no rows on: 2024-11-10..2024-11-11 (before its first day with rows, 2024-11-12) and 2024-11-15 (after its last day with rows, 2024-11-14). If the export did not cover them, their credits are missing, not zero: export those days too, or choose a window inside the input\'s days.',
    )
  })

  it('leaves out the days an export window reached (quiet days, not missing ones), even in part', () => {
    const covered = [{start: new Date('2024-11-10T12:00:00Z'), end: new Date('2024-11-15T00:00:00Z')}]
    expect(windowBeyondDataWarning('report window', {start: '2024-11-09', end: '2024-11-15'}, data, covered)).toBe(
      'The report window 2024-11-09..2024-11-14 reaches days the input has no rows on: 2024-11-09 (before its first day with rows, 2024-11-12). If the export did not cover them, their credits are missing, not zero: export those days too, or choose a window inside the input\'s days.',
    )
    // An end exactly at midnight does not reach the day that begins then.
    expect(windowBeyondDataWarning('report window', {start: '2024-11-12', end: '2024-11-16'}, data, covered)).toMatch(/: 2024-11-15 \(after its last day/)
    expect(windowBeyondDataWarning('report window', {start: '2024-11-10', end: '2024-11-15'}, data, covered)).toBeNull()
  })
})

describe('report with a window beyond its input', () => {
  it('warns (stderr and input.warnings) of a month whose chargeback is made from three days of it', async () => {
    const result = await buildReportSummary({inputs: [exportFolder(null)], filters: {since: '2024-11-01', until: '2024-11-30'}}, clock)
    expect(result.chargeback?.month).toBe('2024-11')
    expect(reachWarnings(result.warnings)).toEqual([expect.stringMatching(/^The report window 2024-11-01\.\.2024-11-30 reaches days the input has no rows on: 2024-11-01\.\.2024-11-11 \(before .*\) and 2024-11-15\.\.2024-11-30 \(after /)])
    expect(reachWarnings(result.summary.input.warnings)).toEqual(reachWarnings(result.warnings))
    expect(result.summary.totals.credits.total).toBe(33)
  })

  it('says nothing when the export manifest beside usage.csv shows the window was exported (the quiet days are zero)', async () => {
    const input = exportFolder([{start: '2024-11-01T00:00:00.000Z', end: '2024-11-16T00:00:00.000Z'}, {start: '2024-11-16T00:00:00.000Z', end: '2024-12-01T00:00:00.000Z'}])
    const result = await buildReportSummary({inputs: [input], filters: {since: '2024-11-01', until: '2024-11-30'}}, clock)
    expect(reachWarnings(result.warnings)).toEqual([])
  })

  it('warns of a comparison window the input holds in part, not of one it lacks entirely (the comparison says "no data")', async () => {
    const inside = await buildReportSummary({inputs: [exportFolder(null)], filters: {since: '2024-11-14', until: '2024-11-14'}, compare: 'previous'}, clock)
    expect(reachWarnings(inside.warnings)).toEqual([])
    const wider = await buildReportSummary({inputs: [exportFolder(null)], filters: {since: '2024-11-13', until: '2024-11-14'}, compare: 'previous'}, clock)
    expect(reachWarnings(wider.warnings)).toEqual([expect.stringMatching(/^The comparison window 2024-11-11\.\.2024-11-12 reaches days the input has no rows on: 2024-11-11 \(before its first day with rows, 2024-11-12\)/)])
    const none = await buildReportSummary({inputs: [exportFolder(null)], compare: 'previous'}, clock)
    expect(reachWarnings(none.warnings)).toEqual([])
  })

  it('says nothing after --project/--org/--branch, whose first day with rows is the selection\'s, not the export\'s', async () => {
    const result = await buildReportSummary({inputs: [exportFolder(null)], filters: {since: '2024-11-01', until: '2024-11-30', project: 'api'}}, clock)
    expect(result.summary.totals.credits.total).toBe(33)
    expect(reachWarnings(result.warnings)).toEqual([])
  })
})

describe('report whose filters match no row', () => {
  const noticeOf = (notices: readonly string[]) => notices.filter((line) => line.includes('the window shown is'))

  it("labels the window by the export's manifest beside usage.csv, not by today's clock", async () => {
    const input = exportFolder([{start: '2024-11-10T00:00:00.000Z', end: '2024-11-17T00:00:00.000Z'}])
    const result = await buildReportSummary({inputs: [input], filters: {branch: 'no-such-branch'}}, clock)
    expect(result.summary.totals.credits.total).toBe(0)
    expect(result.summary.window).toEqual({start: '2024-11-10T00:00:00.000Z', end: '2024-11-17T00:00:00.000Z', days: 7})
    expect(noticeOf(result.notices)).toEqual([expect.stringContaining("the window shown is the export's (export-manifest.json)")])
  })

  it("takes whole days of an export window that does not start or end at midnight", async () => {
    const input = exportFolder([{start: '2024-11-10T06:00:00.000Z', end: '2024-11-16T12:30:00.000Z'}])
    const result = await buildReportSummary({inputs: [input], filters: {project: 'no-such-project'}}, clock)
    expect(result.summary.window).toEqual({start: '2024-11-10T00:00:00.000Z', end: '2024-11-17T00:00:00.000Z', days: 7})
  })

  it('says it falls back to the last 7 days by the clock for a file without a manifest', async () => {
    const result = await buildReportSummary({inputs: [exportFolder(null)], filters: {branch: 'no-such-branch'}}, clock)
    expect(result.summary.window).toEqual({start: '2024-11-28T00:00:00.000Z', end: '2024-12-05T00:00:00.000Z', days: 7})
    expect(noticeOf(result.notices)).toEqual([expect.stringContaining('the window shown is the last 7 days')])
  })
})
