import {DAY_MS, validateRange} from '../../src/export/windows.js'
import {exportRangeFor, reportDays} from '../../src/pipeline/weekly.js'

const now = new Date('2026-11-22T01:40:00Z')
const at = (iso: string) => new Date(iso)

describe('run: the range exported for a report window', () => {
  it('exports the previous 7 whole days and the 7 reported, in one range', () => {
    const range = {start: at('2026-11-15T00:00:00Z'), end: at('2026-11-22T00:00:00Z')}
    expect(reportDays(range)).toEqual({since: '2026-11-15', until: '2026-11-21'})
    expect(exportRangeFor(range, 'previous', now)).toEqual({
      range: {start: at('2026-11-08T00:00:00Z'), end: at('2026-11-22T00:00:00Z')},
      withPrevious: true,
    })
  })

  it('widens a window that starts mid-day to whole days, and compares with as many whole days before it', () => {
    // Reported days 2026-11-14 .. 2026-11-21 (8 days, the last one partial): the previous window is the 8 days before.
    const range = {start: at('2026-11-14T12:00:00Z'), end: at('2026-11-21T12:00:00Z')}
    expect(reportDays(range)).toEqual({since: '2026-11-14', until: '2026-11-21'})
    expect(exportRangeFor(range, 'previous', now).range).toEqual({start: at('2026-11-06T00:00:00Z'), end: at('2026-11-21T12:00:00Z')})
    expect(exportRangeFor(range, 'none', now).range).toEqual({start: at('2026-11-14T00:00:00Z'), end: at('2026-11-21T12:00:00Z')})
  })

  it('drops the comparison when its start is within an hour of the API\'s limit (366 days before now) or past it', () => {
    const end = at('2026-11-22T00:00:00Z')
    const fits = {start: new Date(end.getTime() - 182 * DAY_MS), end}
    expect(exportRangeFor(fits, 'previous', now).withPrevious).toBe(true)
    // 183 + 183 days reach back to 2025-11-21T00:00Z, 1 h 40 min more than 366 days before now.
    const tooLong = {start: new Date(end.getTime() - 183 * DAY_MS), end}
    expect(exportRangeFor(tooLong, 'previous', now)).toEqual({range: tooLong, withPrevious: false})
  })

  it('drops the comparison whose start is so close to the limit that the export, checking a moment later, would refuse it', () => {
    // A run just before midnight: the previous window's start (2025-12-31T00:00Z) is 100 ms inside the 366 days
    // when the range is decided, and outside them when the export checks its range after reading the history.
    const beforeMidnight = at('2026-12-31T23:59:59.900Z')
    const range = {start: at('2026-07-02T00:00:00Z'), end: at('2026-12-31T23:59:59.000Z')}
    const decided = exportRangeFor(range, 'previous', beforeMidnight)
    expect(() => validateRange(decided.range, new Date(beforeMidnight.getTime() + 60_000))).not.toThrow()
    expect(decided).toEqual({range: {start: at('2026-07-02T00:00:00Z'), end: range.end}, withPrevious: false})
  })
})

describe('run --month: the range exported and the comparison window', () => {
  it('exports the previous calendar month and the month before it, however long each is', () => {
    const october = {start: at('2026-10-01T00:00:00Z'), end: at('2026-11-01T00:00:00Z')}
    const september = {start: at('2026-09-01T00:00:00Z'), end: at('2026-10-01T00:00:00Z')}
    expect(reportDays(october)).toEqual({since: '2026-10-01', until: '2026-10-31'})
    expect(exportRangeFor(october, 'previous', now, september)).toEqual({
      range: {start: at('2026-09-01T00:00:00Z'), end: at('2026-11-01T00:00:00Z')},
      withPrevious: true,
    })
    // Without the explicit window it would be the 31 days before, starting on 2026-08-31.
    expect(exportRangeFor(october, 'previous', now).range.start).toEqual(at('2026-08-31T00:00:00Z'))
    expect(exportRangeFor(october, 'none', now, september)).toEqual({range: october, withPrevious: false})
  })
})
