import {format} from 'd3-format'

import type {Window} from '../analysis/summary.js'
import {formatCount, formatCredits, formatRatio, formatShare, formatSignedCredits as formatSignedCreditsIn, formatSignedPercent} from '../core/format-credits.js'

/**
 * Display formats shared by the charts and the HTML page, so a figure reads the same everywhere. Credits are
 * summed exactly upstream; rounding happens only here.
 */
const dollarFormat = format('$,.2f')
const siFormat = format('.3~s')

function finite(value: number): number {
  return Number.isFinite(value) ? value : 0
}

export {formatCount, formatCredits, formatRatio, formatShare}

/** Signed like the terminal and Slack, with the typographic minus d3 gives the page's percentages. */
export function formatSignedCredits(value: number): string {
  return formatSignedCreditsIn(value, '\u2212')
}

export function formatDollars(value: number): string {
  return dollarFormat(finite(value))
}

/** A percent change given in percent (12.5 = +12.5%), or "new": as the terminal and Slack, with the page's minus. */
export function formatPercentChange(pct: number | null): string {
  return formatSignedPercent(pct, '\u2212')
}

/** Short axis ticks: 1,500 stays exact, 250,000 becomes 250k. */
export function formatAxisCredits(value: number, domainMax: number): string {
  return domainMax >= 10_000 ? siFormat(finite(value)) : formatCredits(value)
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** `2024-11-10` -> `Nov 10`; spelled out by hand so the output does not depend on the machine's locale. */
export function formatDayShort(day: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
  if (!match) return day
  return `${MONTHS[Number(match[2]) - 1] ?? match[2]} ${Number(match[3])}`
}

/** UTC days (YYYY-MM-DD) covered by a half-open window; empty when the window is not a valid interval. */
export function daysOfWindow(window: Window, maxDays = 1000): string[] {
  const start = Date.parse(window.start)
  const end = Date.parse(window.end)
  if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start) return []
  const days: string[] = []
  const dayMs = 86_400_000
  for (let t = Math.floor(start / dayMs) * dayMs; t < end && days.length < maxDays; t += dayMs) {
    days.push(new Date(t).toISOString().slice(0, 10))
  }
  return days
}

/** `2024-11-10 – 2024-11-17 (8 days, UTC)`: the end shown is the last day included, not the exclusive bound. */
export function formatWindow(window: Window): string {
  const days = daysOfWindow(window)
  if (days.length === 0) return `${window.start} – ${window.end}`
  const first = days[0]
  const last = days[days.length - 1]
  const count = `${window.days || days.length} day${(window.days || days.length) === 1 ? '' : 's'}`
  return first === last ? `${first} (${count}, UTC)` : `${first} – ${last} (${count}, UTC)`
}
