/**
 * Number and date wording for the Slack message. Credits are summed exactly upstream and rounded only here,
 * for display. A fixed locale keeps the message (and its snapshots) identical on every machine.
 */
import {formatCount, formatCredits, formatRatio, formatShare as formatShareOf, formatSignedCredits, formatSignedPercent} from '../core/format-credits.js'

const LOCALE = 'en-US'

const usd = new Intl.NumberFormat(LOCALE, {style: 'currency', currency: 'USD'})

export {formatCount, formatCredits, formatRatio, formatSignedCredits, formatSignedPercent}

export function formatDollars(dollars: number): string {
  return usd.format(dollars)
}

const usdPrice = new Intl.NumberFormat(LOCALE, {style: 'currency', currency: 'USD', maximumFractionDigits: 6})

/** A price per credit is a fraction of a cent ($0.0006), so it keeps up to six decimals. */
export function formatPrice(dollarsPerCredit: number): string {
  return usdPrice.format(dollarsPerCredit)
}

export function formatSignedCount(delta: number): string {
  if (delta === 0) return '±0'
  return `${delta < 0 ? '-' : '+'}${formatCount(Math.abs(delta))}`
}


/** Share of a whole as the other media print it ("7.0%", "<0.1%"); empty when the whole is zero. */
export function formatShare(part: number, whole: number): string {
  if (whole === 0) return ''
  return formatShareOf(part / whole)
}

/**
 * Percent change from previous to current, or null when there is no base to compare with. Multiplying the
 * difference before dividing keeps exact values exact (115 vs 100 gives 15, not 15.000000000000002), which
 * matters at policy thresholds.
 */
export function percentChange(current: number, previous: number): number | null {
  if (previous === 0) return null
  return ((current - previous) * 100) / Math.abs(previous)
}

export function trendArrow(delta: number): string {
  if (delta > 0) return '▲'
  if (delta < 0) return '▼'
  return '='
}

/** `2024-11-10` from an ISO timestamp, in UTC. */
export function utcDay(iso: string): string {
  return new Date(iso).toISOString().slice(0, 10)
}

/** The window as days people read: its end is exclusive, so the last day shown is the day before it. */
export function windowLabel(window: {start: string; end: string}): string {
  const start = utcDay(window.start)
  const lastDay = new Date(new Date(window.end).getTime() - 1).toISOString().slice(0, 10)
  return start === lastDay ? start : `${start} → ${lastDay}`
}

export function daysLabel(days: number): string {
  return days === 1 ? '1 day' : `${formatCount(days)} days`
}
