/**
 * Chargeback: the credits of one calendar month per team, organization and project, for invoicing teams.
 * Pure. Credits stay micro-credit bigints and dollars are exact decimals (no rounding), so the file's rows add
 * up to the report's totals to the last micro-credit.
 */
import type {Group} from './aggregate.js'
import {NONE_LABEL} from './build.js'
import type {Window} from './summary.js'
import {UNASSIGNED_TEAM, type TeamMatcher} from './teams.js'
import {nextMonthStart} from '../history/days.js'

export interface ChargebackRow {
  team: string
  org: string | null
  project: string | null
  /** Micro-credits. */
  credits: bigint
}

/**
 * `YYYY-MM` when the window is exactly one whole calendar month in UTC (first day 00:00 to the first of the next
 * month), else null. `run --month previous` gives such a window, as does `report --since 2024-11-01 --until
 * 2024-11-30`, or data that happens to start on the 1st and end on the last day of one month.
 */
export function calendarMonthOf(window: Pick<Window, 'start' | 'end'>): string | null {
  const start = /^(\d{4})-(\d{2})-01T00:00:00(?:\.000)?Z$/.exec(window.start)
  if (!start) return null
  const month = `${start[1]}-${start[2]}`
  return Date.parse(window.end) === Date.parse(`${nextMonthStart(`${month}-01`)}T00:00:00Z`) ? month : null
}

/**
 * One row per (team, organization, project) from the (org, project) groups of the report window. Without a
 * teams file every project is "unassigned". Sorted by team, then credits (largest first), then names, so the
 * file reads as one block per team.
 */
export function chargebackRows(projectGroups: Group[], matcher: TeamMatcher | null): ChargebackRow[] {
  const rows = new Map<string, ChargebackRow>()
  for (const group of projectGroups) {
    const org = group.dims.org ?? null
    const project = group.dims.project ?? null
    const team = matcher ? matcher(project ?? NONE_LABEL) : UNASSIGNED_TEAM
    const key = JSON.stringify([team, org, project])
    const row = rows.get(key) ?? {team, org, project, credits: 0n}
    row.credits += group.credits
    rows.set(key, row)
  }
  const text = (value: string | null) => value ?? ''
  return [...rows.values()].sort(
    (a, b) =>
      compare(a.team, b.team) || (a.credits === b.credits ? 0 : a.credits > b.credits ? -1 : 1) || compare(text(a.org), text(b.org)) || compare(text(a.project), text(b.project)),
  )
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Micro-credits as an exact decimal string (`367190`, `0.5`, `-12.000001`). */
export function formatMicroCredits(micro: bigint): string {
  return formatScaled(micro, 6)
}

/**
 * credits x price as an exact decimal string. The price is the number given to --credit-price; its shortest
 * decimal form (what JavaScript prints, e.g. 0.0006) is taken as meant, so 367190 credits at 0.0006 is exactly
 * 220.314 and the rows' dollars add up to the total's.
 */
export function exactDollars(micro: bigint, price: number): string {
  const {digits, scale} = decimalOf(price)
  return formatScaled(micro * digits, 6 + scale)
}

function decimalOf(value: number): {digits: bigint; scale: number} {
  if (!Number.isFinite(value)) throw new Error(`not a finite price: ${value}`)
  const [mantissa, exponentText] = String(value).toLowerCase().split('e')
  const exponent = Number(exponentText ?? 0)
  const negative = mantissa.startsWith('-')
  const [whole, fraction = ''] = mantissa.replace('-', '').split('.')
  let digits = BigInt(whole + fraction)
  let scale = fraction.length - exponent
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale)
    scale = 0
  }
  return {digits: negative ? -digits : digits, scale}
}

function formatScaled(value: bigint, scale: number): string {
  const negative = value < 0n
  const magnitude = (negative ? -value : value).toString().padStart(scale + 1, '0')
  const whole = magnitude.slice(0, magnitude.length - scale)
  const fraction = magnitude.slice(magnitude.length - scale).replace(/0+$/, '')
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`
}
