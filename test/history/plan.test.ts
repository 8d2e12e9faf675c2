import {DAY_MS, planWindows, splitWindows} from '../../src/export/windows.js'
import {daysOf, isoWeekStart, isoWeekday, runsOf, shiftDay} from '../../src/history/days.js'
import {daysToStore, exportedDays, historyRange, MAX_EXPORT_JOBS, oldestExportableDay, planFetch, toDateRanges, withinJobBudget, type StoredDay} from '../../src/history/plan.js'
import {exportRangeFor, reportDays} from '../../src/pipeline/weekly.js'
import {resolveRange} from '../../src/export/windows.js'

const NOW = new Date('2024-11-18T06:00:00Z') // a Monday morning, when the weekly schedule runs

/** The windows `run --history` exports: the report window (and the one before) plus the history's days. */
function runWindows(now: Date, stored: Record<string, StoredDay>, trendWeeks: number) {
  const range = resolveRange({days: 7}, now)
  const {range: exportRange} = exportRangeFor(range, 'previous', now)
  const {since, until} = reportDays(range)
  const plan = planFetch(stored, historyRange({start: since, end: shiftDay(until, 1)}, trendWeeks), now)
  const budgeted = withinJobBudget([exportRange], plan.ranges)
  return {plan, deferred: budgeted.deferred, windows: planWindows([exportRange, ...toDateRanges(budgeted.ranges)])}
}

/** The history a run stores, as the pipeline computes it. */
function store(stored: Record<string, StoredDay>, windows: {start: Date; end: Date}[], at: Date): Record<string, StoredDay> {
  const exported = exportedDays(windows.map((window) => ({start: window.start.toISOString(), end: window.end.toISOString(), createdAt: at.toISOString()})), at)
  const next = {...stored}
  for (const entry of daysToStore(exported, stored)) next[entry.day] = {final: entry.final, fetchedAt: entry.fetchedAt, exportEnd: entry.exportEnd}
  return next
}

describe('days', () => {
  it('knows ISO weeks (Monday first) and month runs', () => {
    expect(isoWeekday('2024-11-18')).toBe(0)
    expect(isoWeekday('2024-11-17')).toBe(6)
    expect(isoWeekStart('2024-11-17')).toBe('2024-11-11')
    expect(isoWeekStart('2024-11-18')).toBe('2024-11-18')
    expect(isoWeekStart('2025-01-01')).toBe('2024-12-30')
    expect(runsOf(['2024-11-03', '2024-11-01', '2024-11-02', '2024-11-05'])).toEqual([
      {start: '2024-11-01', end: '2024-11-04'},
      {start: '2024-11-05', end: '2024-11-06'},
    ])
    expect(daysOf({start: '2024-02-28', end: '2024-03-01'})).toEqual(['2024-02-28', '2024-02-29'])
  })
})

describe('planWindows', () => {
  it('gives exactly splitWindows for one range (any span, any alignment)', () => {
    let seed = 7
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    for (let i = 0; i < 300; i++) {
      const start = Date.parse('2024-01-01T00:00:00Z') + Math.floor(random() * 300 * DAY_MS)
      const end = start + 1 + Math.floor(random() * 200 * DAY_MS)
      const range = {start: new Date(start), end: new Date(end)}
      const windows = planWindows([range])
      expect(windows).toEqual(splitWindows(range))
      for (const [index, window] of windows.entries()) {
        expect(window.end.getTime() - window.start.getTime()).toBeLessThanOrEqual(31 * DAY_MS)
        if (index > 0) expect(window.start).toEqual(windows[index - 1].end)
      }
    }
  })

  it('coalesces overlapping and touching ranges and covers every instant of every range', () => {
    const day = (iso: string) => new Date(`${iso}T00:00:00Z`)
    const ranges = [
      {start: day('2024-10-01'), end: day('2024-10-05')},
      {start: day('2024-10-04'), end: day('2024-10-10')},
      {start: day('2024-10-10'), end: day('2024-10-12')},
      {start: day('2024-11-20'), end: day('2024-11-21')},
    ]
    const windows = planWindows(ranges)
    // Two ranges 39 days apart cannot share a 31-day window; the first three are one.
    expect(windows).toEqual([
      {start: day('2024-10-01'), end: day('2024-10-12')},
      {start: day('2024-11-20'), end: day('2024-11-21')},
    ])
    // Ranges close together share one window even with a gap between them (a POST costs more than a few days).
    expect(planWindows([ranges[0], ranges[3]].map((range, index) => (index === 0 ? {start: day('2024-10-25'), end: day('2024-10-26')} : range)))).toHaveLength(1)
  })
})

describe('what run --history exports', () => {
  it('a cold start with --trend-weeks 12 needs at most 4 export jobs (POSTs), covering the whole trend range', () => {
    for (const weeks of [1, 4, 12]) {
      const {plan, windows} = runWindows(NOW, {}, weeks)
      expect(windows.length).toBeLessThanOrEqual(weeks === 12 ? 4 : 2)
      const covered = (day: string) => windows.some((window) => window.start.getTime() <= Date.parse(`${day}T00:00:00Z`) && Date.parse(`${day}T00:00:00Z`) + DAY_MS <= window.end.getTime())
      for (const day of plan.missing) expect(covered(day)).toBe(true)
    }
    expect(runWindows(NOW, {}, 12).windows).toHaveLength(3)
  })

  it('a warm weekly run needs one export job; a week later every earlier day is final', () => {
    const cold = runWindows(NOW, {}, 12)
    let stored = store({}, cold.windows, NOW)
    // The last two days were less than 48 hours old: stored, not final.
    expect(Object.entries(stored).filter(([, entry]) => !entry.final).map(([day]) => day)).toEqual(['2024-11-16', '2024-11-17'])
    for (let week = 1; week <= 6; week++) {
      const now = new Date(NOW.getTime() + week * 7 * DAY_MS)
      const warm = runWindows(now, stored, 12)
      expect(warm.windows).toHaveLength(1)
      expect(warm.plan.provisional).toEqual([shiftDay('2024-11-16', 7 * (week - 1)), shiftDay('2024-11-17', 7 * (week - 1))])
      stored = store(stored, warm.windows, now)
      const notFinal = Object.entries(stored).filter(([, entry]) => !entry.final).map(([day]) => day)
      expect(notFinal).toEqual([shiftDay('2024-11-16', 7 * week), shiftDay('2024-11-17', 7 * week)])
    }
  })

  it('a skipped week is fetched in the same single job', () => {
    const stored = store({}, runWindows(NOW, {}, 12).windows, NOW)
    const later = new Date(NOW.getTime() + 14 * DAY_MS)
    const {plan, windows} = runWindows(later, stored, 12)
    expect(windows).toHaveLength(1)
    expect(plan.missing).toHaveLength(14)
  })

  it('exports a day missing between final days with the day after it, so that the day is stored final', () => {
    const range = {start: '2024-10-01', end: '2024-11-01'}
    const gap = '2024-10-15'
    const stored = Object.fromEntries(daysOf(range).filter((day) => day !== gap).map((day) => [day, {final: true, fetchedAt: '2024-11-05T00:00:00.000Z'}]))
    const plan = planFetch(stored, range, NOW)
    expect(plan.missing).toEqual([gap])
    // Without its next day the day could not be final, and every later run would export it again.
    expect(store(stored, toDateRanges(plan.ranges), NOW)[gap]?.final).toBe(true)
  })

  it('reaches back 52 weeks within the 366 days the API keeps, and never asks for older days', () => {
    for (let hour = 0; hour < 7 * 24; hour += 5) {
      const now = new Date(NOW.getTime() + hour * 3_600_000)
      const {plan} = runWindows(now, {}, 52)
      expect(plan.unreachable).toEqual([])
      expect(plan.ranges[0].start >= oldestExportableDay(now)).toBe(true)
    }
    const old = planFetch({}, {start: '2023-10-01', end: '2023-12-01'}, NOW)
    const oldest = oldestExportableDay(NOW)
    expect(old.unreachable.length).toBeGreaterThan(0)
    expect(old.unreachable.every((day) => day < oldest)).toBe(true)
    expect(old.ranges.every((range) => range.start >= oldest)).toBe(true)
  })
})

describe('the export job budget', () => {
  it('fills a 52-week history over a few weekly runs, most recent days first, never spending more than the budget', () => {
    const cold = runWindows(NOW, {}, 52)
    expect(cold.windows.length).toBeLessThanOrEqual(MAX_EXPORT_JOBS)
    expect(cold.deferred.length).toBeGreaterThan(0)
    // The days deferred are the oldest ones.
    const fetched = cold.plan.missing.filter((day) => !cold.deferred.includes(day))
    expect(cold.deferred.every((day) => fetched.every((kept) => day < kept))).toBe(true)
    let stored = store({}, cold.windows, NOW)
    let runs = 1
    for (let week = 1; runWindows(new Date(NOW.getTime() + week * 7 * DAY_MS), stored, 52).deferred.length > 0 && week < 10; week++) {
      const now = new Date(NOW.getTime() + week * 7 * DAY_MS)
      const next = runWindows(now, stored, 52)
      expect(next.windows.length).toBeLessThanOrEqual(MAX_EXPORT_JOBS)
      stored = store(stored, next.windows, now)
      runs++
    }
    expect(runs).toBeLessThanOrEqual(3)
  })

  it('leaves the ranges as they are when they fit', () => {
    const ranges = [{start: '2024-10-01', end: '2024-10-03'}]
    expect(withinJobBudget([], ranges)).toEqual({ranges, deferred: []})
  })
})

describe('exportedDays', () => {
  const window = (start: string, end: string) => ({start: `${start}T00:00:00.000Z`, end: `${end}T00:00:00.000Z`, createdAt: '2024-11-18T06:00:00.000Z'})

  it('stands only for whole UTC days inside the windows', () => {
    const days = exportedDays([{start: '2024-11-10T12:00:00.000Z', end: '2024-11-13T06:00:00.000Z', createdAt: '2024-11-18T06:00:00.000Z'}], NOW)
    expect(days.map((entry) => entry.day)).toEqual(['2024-11-11', '2024-11-12'])
  })

  it('calls a day final when it ended 48 hours before the data was taken and the next day was exported too', () => {
    const days = exportedDays([window('2024-11-11', '2024-11-18')], NOW)
    const final = Object.fromEntries(days.map((entry) => [entry.day, entry.final]))
    // 2024-11-15 ended 2024-11-16T00:00, 54 h before 06:00 on the 18th.
    expect(final['2024-11-15']).toBe(true)
    // Ended 30 h before.
    expect(final['2024-11-16']).toBe(false)
    // The last day of an export is never final: a job dated on it may start after its midnight.
    expect(final['2024-11-17']).toBe(false)
    // "At least 48 hours": a day that ended exactly 48 hours before the data was taken is final, one hour less is not.
    const at = (createdAt: string) => exportedDays([{...window('2024-11-11', '2024-11-18'), createdAt}], NOW).find((entry) => entry.day === '2024-11-15')?.final
    expect(at('2024-11-18T00:00:00.000Z')).toBe(true)
    expect(at('2024-11-17T23:59:59.999Z')).toBe(false)
    const old = exportedDays([window('2024-10-01', '2024-10-05')], NOW)
    expect(old.map((entry) => entry.final)).toEqual([true, true, true, false])
  })

  it('takes the data as of the earliest job creation, and replaces only days not final', () => {
    const days = exportedDays([{...window('2024-11-01', '2024-11-10'), createdAt: '2024-11-12T00:00:00.000Z'}, window('2024-11-10', '2024-11-18')], NOW)
    expect(new Set(days.map((entry) => entry.fetchedAt))).toEqual(new Set(['2024-11-12T00:00:00.000Z']))
    const stored = {'2024-11-02': {final: true, fetchedAt: 'x'}, '2024-11-03': {final: false, fetchedAt: 'x'}}
    const chosen = daysToStore(days, stored).map((entry) => entry.day)
    expect(chosen).not.toContain('2024-11-02')
    expect(chosen).toContain('2024-11-03')
    expect(chosen).toContain('2024-11-04')
  })

  it('replaces a final day only by a later final copy whose windows reach without a break from its midnight to the end of the held copy\'s export', () => {
    // Stored by the run of Monday 11-11, whose export ended at midnight.
    const held = {'2024-11-08': {final: true, fetchedAt: '2024-11-11T06:00:00.000Z', exportEnd: '2024-11-11T00:00:00.000Z'}}
    const chosen = (windows: Array<{start: string; end: string; createdAt: string}>, stored: Record<string, StoredDay> = held) => daysToStore(exportedDays(windows, NOW), stored).map((entry) => entry.day)
    // The next weekly run: the week before its window again, touching the window (2024-11-04 .. 2024-11-18).
    expect(chosen([window('2024-11-04', '2024-11-11'), window('2024-11-11', '2024-11-18')])).toContain('2024-11-08')
    // Reaching the held export's end exactly is enough: none of its rows started later.
    expect(chosen([window('2024-11-08', '2024-11-11')])).toContain('2024-11-08')
    // A gap before that end (11-10 .. 11-12 not exported): rows the held copy has may be missing.
    expect(chosen([window('2024-11-08', '2024-11-10'), window('2024-11-12', '2024-11-18')])).not.toContain('2024-11-08')
    // An older or equal snapshot never replaces a final day.
    expect(chosen([{...window('2024-11-04', '2024-11-18'), createdAt: '2024-11-11T06:00:00.000Z'}])).not.toContain('2024-11-08')
    // Nor does a copy that is not final (its next day not exported).
    expect(chosen([window('2024-11-08', '2024-11-09')])).not.toContain('2024-11-08')
    // Nor is a final day of a history written before the export's end was kept.
    expect(chosen([window('2024-11-04', '2024-11-18')], {'2024-11-08': {final: true, fetchedAt: '2024-11-11T06:00:00.000Z'}})).not.toContain('2024-11-08')
  })

  it('never replaces a day not final with an older snapshot of it (two folders sharing one history)', () => {
    const days = exportedDays([{...window('2024-11-10', '2024-11-18'), createdAt: '2024-11-18T01:00:00.000Z'}], NOW)
    const stored = {
      '2024-11-16': {final: false, fetchedAt: '2024-11-18T10:00:00.000Z'},
      '2024-11-17': {final: false, fetchedAt: '2024-11-17T23:00:00.000Z'},
    }
    const chosen = daysToStore(days, stored).map((entry) => entry.day)
    expect(chosen).not.toContain('2024-11-16')
    expect(chosen).toContain('2024-11-17')
    expect(chosen).toContain('2024-11-15')
  })
})
