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
