import {BadInputError} from '../../src/core/errors.js'
import {boundaryDays, DAY_MS, MONTH_WINDOWS, monthComparisonRange, type MonthWindow, resolveRange, splitWindows, validateRange} from '../../src/export/windows.js'

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
    ['end before start', {start: '2024-11-10', end: '2024-11-05'}, /--end 2024-11-05 is before --start 2024-11-10: swap them/],
    ['start more than 366 days back', {start: '2023-11-19', end: '2023-11-25'}, /--start .* more than 366 days ago/],
    ['--days reaching past 366 days', {days: 367}, /^--days 367 reaches back to \d{4}-\d{2}-\d{2}, more than 366 days ago .*use --days 36[56] or less\.$/],
    // Before the fix: RangeError "Invalid time value" (exit 1) from the date the message named.
    ['--days past what a date can hold', {days: 1e20}, /^--days 100000000000000000000 reaches back more than 366 days ago .*use --days 36[56] or less\.$/],
    ['--days reaching before year 1', {days: 800_000}, /^--days 800000 reaches back more than 366 days ago /],
  ])('refuses %s naming the flag', (_name, flags, message) => {
    expect(() => resolveRange(flags, now)).toThrow(BadInputError)
    expect(() => resolveRange(flags, now)).toThrow(message)
  })

  // Before the fix the messages named the resolved instants and a --start never given: "--end 2024-11-06T00:00:00Z
  // is not after --start 2024-11-06T00:00:00Z" for --end 2024-11-05, "--start 2030-12-26T00:00:00Z is in the future"
  // for a lone --end 2031-01-01.
  it.each([
    ['a day --end before the day --start', {start: '2024-11-06', end: '2024-11-05'}, 'E_RANGE_EMPTY', '--end 2024-11-05 is before --start 2024-11-06: swap them (both days are included).'],
    [
      'an instant --end at the --start',
      {start: '2024-11-06T05:30:00+05:30', end: '2024-11-06T00:00:00Z'},
      'E_RANGE_EMPTY',
      '--end 2024-11-06T00:00:00Z is not after --start 2024-11-06T05:30:00+05:30 (2024-11-06T00:00:00Z); give an end later than the start.',
    ],
    ['a lone --start at now', {start: '2024-11-20T15:30:12.345Z'}, 'E_RANGE_EMPTY', '--start 2024-11-20T15:30:12.345Z is now: without --end the range runs to now (2024-11-20T15:30:12.345Z), so it is empty; give an earlier --start.'],
    [
      'a --start after the second a future --end is capped to',
      {start: '2024-11-20T15:30:12.100Z', end: '2024-12-01'},
      'E_RANGE_EMPTY',
      '--start 2024-11-20T15:30:12.100Z leaves nothing before now (2024-11-20T15:30:12Z), where the future --end 2024-12-01 (through the end of that day) is capped; give an earlier --start.',
    ],
    [
      'a lone --end whose 7 days are all ahead',
      {end: '2031-01-01'},
      'E_RANGE_FUTURE',
      '--end 2031-01-01 (through the end of that day) alone stands for the 7 days 2030-12-26 .. 2031-01-01, all in the future; give an --end of today (2024-11-20) or earlier, or a --start as well.',
    ],
    [
      'a lone --end whose 7 days start too far back',
      {end: '2023-11-22'},
      'E_RANGE_TOO_OLD',
      "--end 2023-11-22 (through the end of that day) alone stands for the 7 days 2023-11-16 .. 2023-11-22, which start more than 366 days ago (the Usage API's limit); give --start 2023-11-21 or later with it.",
    ],
  ])('says %s in the flags as typed', (_name, flags, code, message) => {
    let error: unknown
    try {
      resolveRange(flags, now)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(BadInputError)
    expect((error as BadInputError).code).toBe(code)
    expect((error as BadInputError).message).toBe(message)
  })

  it('keeps a lone --end of the next days, whose 7 days reach back into the past, capped to now', () => {
    const range = resolveRange({end: '2024-11-21'}, now)
    expect([iso(range.start), iso(range.end)]).toEqual(['2024-11-15T00:00:00.000Z', '2024-11-20T15:30:12.000Z'])
  })

  it('accepts --days 365 but not 366 in the afternoon, since whole days start at midnight', () => {
    expect(resolveRange({days: 365}, now).start.toISOString()).toBe('2023-11-21T00:00:00.000Z')
    expect(() => resolveRange({days: 366}, now)).toThrow(/use --days 365 or less/)
  })

  it('a day too far back is told the first day it may give, which is then accepted', () => {
    // 366 x 24 h before 2024-11-20T15:30 is 2023-11-20T15:30: the first whole day is 2023-11-21, not the 20th.
    expect(() => resolveRange({start: '2023-11-20', end: '2023-11-25'}, now)).toThrow(/give --start 2023-11-21 or later/)
    expect(resolveRange({start: '2023-11-21', end: '2023-11-25'}, now).start.toISOString()).toBe('2023-11-21T00:00:00.000Z')
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

describe('--month (calendar months, UTC)', () => {
  const range = (month: string, nowIso: string) => {
    const resolved = resolveRange({month}, new Date(nowIso))
    return [iso(resolved.start), iso(resolved.end)]
  }

  it.each([
    ['mid-month', '2026-11-22T01:40:00Z', '2026-10-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z'],
    ['on the 1st, just after midnight', '2026-11-01T00:00:01Z', '2026-10-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z'],
    ['on the last day of a month, just before midnight', '2026-10-31T23:59:59.999Z', '2026-09-01T00:00:00.000Z', '2026-10-01T00:00:00.000Z'],
    ['on Jan 1: December of the year before', '2027-01-01T06:00:00Z', '2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['in March of a leap year: February has 29 days', '2028-03-10T12:00:00Z', '2028-02-01T00:00:00.000Z', '2028-03-01T00:00:00.000Z'],
    ['in March of a common year: February has 28 days', '2027-03-10T12:00:00Z', '2027-02-01T00:00:00.000Z', '2027-03-01T00:00:00.000Z'],
  ])('previous, %s: the last full month', (_name, nowIso, start, end) => {
    expect(range('previous', nowIso)).toEqual([start, end])
  })

  it.each([
    ['mid-month: through yesterday', '2026-11-22T01:40:00Z', '2026-11-01T00:00:00.000Z', '2026-11-22T00:00:00.000Z'],
    ['on the 2nd: the 1st only', '2026-11-02T23:00:00Z', '2026-11-01T00:00:00.000Z', '2026-11-02T00:00:00.000Z'],
    ['on Feb 29 of a leap year', '2028-02-29T08:00:00Z', '2028-02-01T00:00:00.000Z', '2028-02-29T00:00:00.000Z'],
    ['on Dec 31', '2026-12-31T23:59:59Z', '2026-12-01T00:00:00.000Z', '2026-12-31T00:00:00.000Z'],
  ])('current, %s: month to date in full days, today left out', (_name, nowIso, start, end) => {
    expect(range('current', nowIso)).toEqual([start, end])
  })

  it('refuses current on the 1st (no full day yet), and says what to use instead', () => {
    expect(() => resolveRange({month: 'current'}, new Date('2027-01-01T09:00:00Z'))).toThrow(
      /^--month current has no full day yet: today, 2027-01-01, is the first of the month .*use --month previous/,
    )
  })

  it.each([
    [{month: 'previous', days: 7}, '--month cannot be combined with --days:'],
    [{month: 'current', start: '2024-11-01'}, '--month cannot be combined with --start:'],
    [{month: 'previous', start: '2024-11-01', end: '2024-11-10'}, '--month cannot be combined with --start, --end:'],
    [{month: 'last'}, '--month last is not a month window: use --month previous'],
  ])('refuses %j with exit 2, naming the flags', (flags, message) => {
    expect(() => resolveRange(flags, now)).toThrow(BadInputError)
    expect(() => resolveRange(flags, now)).toThrow(message)
  })

  it.each([
    ['previous, a 31-day month after a 30-day one', 'previous', '2026-11-05T00:00:00Z', '2026-09-01T00:00:00.000Z', '2026-10-01T00:00:00.000Z'],
    ['previous, January: December of the year before', 'previous', '2027-02-01T10:00:00Z', '2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['previous, March 2028: leap February', 'previous', '2028-04-02T00:00:00Z', '2028-02-01T00:00:00.000Z', '2028-03-01T00:00:00.000Z'],
    ['current, Nov 1-21: Oct 1-21', 'current', '2026-11-22T01:40:00Z', '2026-10-01T00:00:00.000Z', '2026-10-22T00:00:00.000Z'],
    ['current, Mar 1-30 of a leap year: all of February, not past it', 'current', '2028-03-31T10:00:00Z', '2028-02-01T00:00:00.000Z', '2028-03-01T00:00:00.000Z'],
    ['current, Jan 1-9: Dec 1-9 of the year before', 'current', '2027-01-10T00:00:00Z', '2026-12-01T00:00:00.000Z', '2026-12-10T00:00:00.000Z'],
  ])('compares %s', (_name, month, nowIso, start, end) => {
    const current = resolveRange({month}, new Date(nowIso))
    const previous = monthComparisonRange(month as MonthWindow, current)
    expect([iso(previous.start), iso(previous.end)]).toEqual([start, end])
  })

  it('stays within the 366-day limit, and the comparison too, on every day of 2026 to 2029', () => {
    for (let day = Date.parse('2026-01-01T00:00:00Z'); day < Date.parse('2030-01-01T00:00:00Z'); day += DAY_MS) {
      for (const time of [0, DAY_MS - 1]) {
        const clock = new Date(day + time)
        for (const month of MONTH_WINDOWS) {
          if (month === 'current' && clock.getUTCDate() === 1) continue
          const current = resolveRange({month}, clock)
          const previous = monthComparisonRange(month, current)
          expect(current.start.getUTCDate()).toBe(1)
          expect(previous.start.getUTCDate()).toBe(1)
          expect(previous.end.getTime()).toBeLessThanOrEqual(current.start.getTime())
          expect(current.end.getTime()).toBeLessThanOrEqual(clock.getTime())
          expect(() => validateRange(previous, clock)).not.toThrow()
        }
      }
    }
  })
})
