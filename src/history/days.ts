/**
 * Calendar arithmetic on UTC days written YYYY-MM-DD, the history's unit. Pure and allocation-light (Date.UTC,
 * no time zones): the plan and the analyses call these in loops over a year of days.
 */
import type {DayRange} from '../analysis/aggregate.js'

export type {DayRange} from '../analysis/aggregate.js'

const DAY_MS = 86_400_000

/** Days since 1970-01-01 (UTC). */
export function dayNumber(day: string): number {
  return Math.round(Date.parse(`${day}T00:00:00Z`) / DAY_MS)
}

export function dayFromNumber(number: number): string {
  return new Date(number * DAY_MS).toISOString().slice(0, 10)
}

export function shiftDay(day: string, days: number): string {
  return dayFromNumber(dayNumber(day) + days)
}

export function midnightOf(day: string): Date {
  return new Date(dayNumber(day) * DAY_MS)
}

/** 0 = Monday ... 6 = Sunday (ISO). */
export function isoWeekday(day: string): number {
  return (dayNumber(day) + 3) % 7
}

/** The Monday of the ISO week holding `day`: weeks run Monday 00:00 UTC to the next Monday. */
export function isoWeekStart(day: string): string {
  return shiftDay(day, -isoWeekday(day))
}

/** `YYYY-MM` of a day. */
export function monthOf(day: string): string {
  return day.slice(0, 7)
}

export function monthStart(day: string): string {
  return `${day.slice(0, 7)}-01`
}

/** The first day of the next month. */
export function nextMonthStart(day: string): string {
  const year = Number(day.slice(0, 4))
  const month = Number(day.slice(5, 7))
  return month === 12 ? `${year + 1}-01-01` : `${year}-${String(month + 1).padStart(2, '0')}-01`
}

/** Every day of a half-open range, in order. */
export function daysOf(range: DayRange): string[] {
  const days: string[] = []
  for (let number = dayNumber(range.start), end = dayNumber(range.end); number < end; number++) days.push(dayFromNumber(number))
  return days
}

/** Sorted days grouped into runs of consecutive days, as half-open ranges. */
export function runsOf(days: Iterable<string>): DayRange[] {
  const numbers = [...new Set(days)].map(dayNumber).sort((a, b) => a - b)
  const runs: DayRange[] = []
  let first = 0
  for (let index = 1; index <= numbers.length; index++) {
    if (index === numbers.length || numbers[index] !== numbers[index - 1] + 1) {
      if (numbers.length > 0) runs.push({start: dayFromNumber(numbers[first]), end: dayFromNumber(numbers[index - 1] + 1)})
      first = index
    }
  }
  return runs
}

export function minDay(...days: string[]): string {
  return days.reduce((a, b) => (b < a ? b : a))
}

export function maxDay(...days: string[]): string {
  return days.reduce((a, b) => (b > a ? b : a))
}
