import {round} from './build.js'
import type {Summary} from './summary.js'

/**
 * Whether the forecast's month is over and every day of it is in the history, so that its actual is the month's
 * total. A month whose last day is reported but some of whose days the history lacks (older than it reaches)
 * still has days projected: `projected` then exceeds `actualToDate`, which is not the month's total, and every
 * renderer must show the projection, never "ended at" the actual.
 */
export function monthEnded(forecast: NonNullable<Summary['forecast']>): boolean {
  if (forecast.daysElapsed !== forecast.daysInPeriod) return false
  // A summary.json written before projections kept the exact spend (notify reads older files) rounded it to cents.
  return forecast.projected === forecast.actualToDate || forecast.projected === round(forecast.actualToDate, 2)
}

/**
 * How much of an ended month is held, for "ended at": every day, and how many of them are not final yet (their
 * late jobs still to land), so that a total read on the Monday after the month is not taken for its last word.
 */
export function endedMonthDays(forecast: NonNullable<Summary['forecast']>, held = ''): string {
  const notFinal = forecast.daysNotFinal ?? 0
  return `all ${forecast.daysInPeriod} days${held}${notFinal > 0 ? `, ${notFinal} not final yet` : ''}`
}
