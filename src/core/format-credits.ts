/**
 * How credits read in every medium (terminal, Markdown, Slack, SVG, HTML), so a figure reads the same
 * everywhere. Credits are summed exactly upstream; this is the only place they are rounded for display:
 * whole credits from 100 up, up to two decimals below (0.4 credits must not read as 0). Fixed locale, so output
 * and snapshots are identical on every machine.
 */
import {roundedFromDecimals} from './exact-money.js'

const whole = new Intl.NumberFormat('en-US', {maximumFractionDigits: 0})
const fractional = new Intl.NumberFormat('en-US', {maximumFractionDigits: 2})

/** A count (jobs, attempts, projects) in every medium, thousands grouped like the credits beside it. */
export function formatCount(count: number): string {
  return whole.format(count)
}

export function formatCredits(value: number): string {
  const finite = Number.isFinite(value) ? value : 0
  const text = (Math.abs(finite) >= 100 || Number.isInteger(finite) ? whole : fractional).format(finite)
  // -0.001 rounds to "-0"
  return text === '-0' ? '0' : text
}

/**
 * A change in credits, signed: the magnitude reads exactly as formatCredits reads it (so "+11.84" here is the
 * 11.84 of the table), and a change that rounds to 0 is "±0", never "+0" or "-0". `minus` is the sign glyph
 * of the medium (the HTML page uses U+2212 like its percentages).
 */
export function formatSignedCredits(value: number, minus = '-'): string {
  const text = formatCredits(Math.abs(value))
  if (text === '0') return '\u00b10'
  return `${value < 0 ? minus : '+'}${text}`
}

const oneDecimal = new Intl.NumberFormat('en-US', {minimumFractionDigits: 1, maximumFractionDigits: 1})

/**
 * A change given in percent (12.5 = +12.5 %), signed, one decimal, in every medium: the terminal, the page and
 * Slack print the Summary's one figure the same way ("+12.5%", "-3.0%", "±0.0%", "+1,250.0%"), and "new" when
 * there was nothing to compare with. `minus` as in formatSignedCredits.
 */
export function formatSignedPercent(pct: number | null, minus = '-'): string {
  if (pct === null || !Number.isFinite(pct)) return 'new'
  const text = oneDecimal.format(Math.abs(pct))
  if (text === '0.0') return '\u00b10.0%'
  return `${pct < 0 ? minus : '+'}${text}%`
}

/**
 * A ratio such as an anomaly's "x its baseline", one decimal, in every medium: rounded from the decimal the Summary
 * holds, as the percentages are ("2.8x" for 2.8451; toFixed read the binary 2.85 as 2.9 and 2.65 as 2.6).
 */
export function formatRatio(ratio: number): string {
  return `${oneDecimal.format(Number.isFinite(ratio) ? ratio : 0)}x`
}

/**
 * A 0..1 share as a percentage with one decimal, in every medium: "7.0%" in the terminal, on the page and in
 * Slack alike, and a tiny non-zero share says so ("<0.1%") instead of reading as nothing.
 */
export function formatShare(share: number): string {
  const finite = Number.isFinite(share) ? share : 0
  if (finite > 0 && finite < 0.0005) return '<0.1%'
  const text = percentOfShare(finite, 1).toFixed(1)
  return `${text === '-0.0' ? '0.0' : text}%`
}

/**
 * A 0..1 share as a percentage rounded half away from zero to `decimals` places, in integers from the share's
 * nine decimals (ratio() in analysis/build.ts truncates a share to nine, and a truncation below the rounding digit
 * rounds as the exact share does). Through a double the halves fell either way: 3 credits of 2,000 (0.15 %) read
 * 0.1 %, and share_pct of 7 credits of 200,000 (0.0035 %) read 3.4999999999999996 thousandths, written 0.003.
 */
export function percentOfShare(share: number, decimals: number): number {
  const scale = 10 ** decimals
  if (!Number.isFinite(share) || Math.abs(share) >= 1e6) return Math.round(share * 100 * scale) / scale
  // A percentage's `decimals` are `decimals` + 2 of the share.
  return Number(roundedFromDecimals(share, 9, decimals + 2)) / scale
}
