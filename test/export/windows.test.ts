import {BadInputError} from '../../src/core/errors.js'
import {boundaryDays, DAY_MS, resolveRange, splitWindows, validateRange} from '../../src/export/windows.js'

const now = new Date('2024-11-20T15:30:12.345Z')
const iso = (date: Date) => date.toISOString()

describe('resolveRange', () => {
  it.each([
    ['default: last 7 full UTC days', {}, '2024-11-13T00:00:00.000Z', '2024-11-20T00:00:00.000Z'],
    ['--days 1', {days: 1}, '2024-11-19T00:00:00.000Z', '2024-11-20T00:00:00.000Z'],
    ['--days 30', {days: 30}, '2024-10-21T00:00:00.000Z', '2024-11-20T00:00:00.000Z'],
    ['date-only end includes that whole day', {start: '2024-11-10', end: '2024-11-18'}, '2024-11-10T00:00:00.000Z', '2024-11-19T00:00:00.000Z'],
    ['ISO with Z', {start: '2024-11-10T06:00:00Z', end: '2024-11-11T06:00:00Z'}, '2024-11-10T06:00:00.000Z', '2024-11-11T06:00:00.000Z'],
    ['ISO with offset', {start: '2024-11-10T02:00:00+02:00', end: '2024-11-10T12:00:00-0130'}, '2024-11-10T00:00:00.000Z', '2024-11-10T13:30:00.000Z'],
    ['future end is capped to now (whole seconds)', {start: '2024-11-15', end: '2024-12-31'}, '2024-11-15T00:00:00.000Z', '2024-11-20T15:30:12.000Z'],
    ['date-only end of today is capped to now', {start: '2024-11-19', end: '2024-11-20'}, '2024-11-19T00:00:00.000Z', '2024-11-20T15:30:12.000Z'],
    ['start only runs to now', {start: '2024-11-01'}, '2024-11-01T00:00:00.000Z', '2024-11-20T15:30:12.345Z'],
    ['end only: the 7 days before it', {end: '2024-11-10'}, '2024-11-04T00:00:00.000Z', '2024-11-11T00:00:00.000Z'],
  ])('%s', (_name, flags, start, end) => {
    const range = resolveRange(flags, now)
    expect(iso(range.start)).toBe(start)
    expect(iso(range.end)).toBe(end)
  })

  it.each([
    ['--days with --start', {days: 3, start: '2024-11-10'}, /--days cannot be combined/],
    ['--days 0', {days: 0}, /--days 0/],
    ['a date-time without zone', {start: '2024-11-10T00:00:00', end: '2024-11-12'}, /--start .*no time zone/],
    ['an impossible date', {start: '2024-02-30', end: '2024-03-02'}, /--start 2024-02-30 is not a valid date/],
    ['garbage', {start: 'last week'}, /--start last week is not a date/],
    ['start in the future', {start: '2024-11-21'}, /--start .* is in the future/],
    ['end before start', {start: '2024-11-10', end: '2024-11-05'}, /--end .* is not after --start/],
    ['start more than 366 days back', {start: '2023-11-19', end: '2023-11-25'}, /--start .* more than 366 days ago/],
    ['--days reaching past 366 days', {days: 367}, /^--days 367 reaches back to \d{4}-\d{2}-\d{2}, more than 366 days ago .*use --days 36[56] or less\.$/],
  ])('refuses %s naming the flag', (_name, flags, message) => {
    expect(() => resolveRange(flags, now)).toThrow(BadInputError)
    expect(() => resolveRange(flags, now)).toThrow(message)
  })

  it('accepts --days 365 but not 366 in the afternoon, since whole days start at midnight', () => {
    expect(resolveRange({days: 365}, now).start.toISOString()).toBe('2023-11-21T00:00:00.000Z')
    expect(() => resolveRange({days: 366}, now)).toThrow(/use --days 365 or less/)
  })

  it('accepts a start exactly 366 days back', () => {
    const start = new Date(now.getTime() - 366 * DAY_MS)
    expect(() => validateRange({start, end: now}, now)).not.toThrow()
  })
})

describe('splitWindows', () => {
  const check = (startIso: string, endIso: string) => {
    const range = {start: new Date(startIso), end: new Date(endIso)}
    const windows = splitWindows(range)
    expect(windows[0].start).toEqual(range.start)
    expect(windows.at(-1)!.end).toEqual(range.end)
    for (const [i, window] of windows.entries()) {
      const span = window.end.getTime() - window.start.getTime()
      expect(span).toBeGreaterThan(0)
      expect(span).toBeLessThanOrEqual(31 * DAY_MS)
      // Consecutive: no gap, no overlap.
      if (i > 0) expect(window.start).toEqual(windows[i - 1].end)
      if (i > 0) expect(window.start.getTime() % DAY_MS).toBe(0)
    }
    return windows
  }

  it('keeps a range of 31 days or less whole', () => {
    expect(check('2024-11-01T00:00:00Z', '2024-12-02T00:00:00Z')).toHaveLength(1)
  })

  it('splits 32 days into 31 + 1', () => {
    const windows = check('2024-11-01T00:00:00Z', '2024-12-03T00:00:00Z')
    expect(windows.map((w) => iso(w.end))).toEqual(['2024-12-02T00:00:00.000Z', '2024-12-03T00:00:00.000Z'])
  })

  it('covers a leap February and month ends without gaps', () => {
    const windows = check('2024-01-15T00:00:00Z', '2024-04-10T00:00:00Z')
    expect(windows.map((w) => iso(w.start).slice(0, 10))).toEqual(['2024-01-15', '2024-02-15', '2024-03-17'])
  })

  it('puts inner boundaries on UTC midnight when the range starts mid-day', () => {
    const windows = check('2024-01-01T10:00:00Z', '2024-03-01T10:00:00Z')
    expect(iso(windows[1].start)).toBe('2024-02-01T00:00:00.000Z')
    expect(iso(windows[0].start)).toBe('2024-01-01T10:00:00.000Z')
  })

  it('splits a full year into 12 windows', () => {
    expect(check('2023-11-21T00:00:00Z', '2024-11-20T00:00:00Z')).toHaveLength(12)
  })

  it('lists the days next to each inner boundary', () => {
    const windows = splitWindows({start: new Date('2024-11-01T00:00:00Z'), end: new Date('2024-12-10T00:00:00Z')})
    expect(boundaryDays(windows)).toEqual(['2024-12-01', '2024-12-02', '2024-12-03'])
    expect(boundaryDays(windows.slice(0, 1))).toEqual([])
  })
})
