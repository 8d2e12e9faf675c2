import {escapeXml as esc} from '../charts/escape.js'
import {formatCredits, formatDollars} from '../charts/format.js'
import {dollarsOfCreditFigure} from '../core/exact-money.js'

/**
 * Long breakdowns (jobs, branches) can run to thousands of rows; the page stays quick to open in the
 * artifacts tab by showing the largest ones and pointing at the CSV files for the rest.
 */
export const TABLE_ROW_LIMIT = 100

export function section(id: string, heading: string, body: string): string {
  return `<section id="${id}" aria-labelledby="${id}-h">\n<h2 id="${id}-h">${esc(heading)}</h2>\n${body}\n</section>`
}

/** What a table says in place of a header row over no rows (e.g. "No project in this window."). */
export function noneInWindow(what: string): string {
  return `<p class="empty">No ${esc(what)} in this window.</p>`
}

export function limited<T>(rows: T[], what: string, csv?: string): {rows: T[]; note: string} {
  if (rows.length <= TABLE_ROW_LIMIT) return {rows, note: ''}
  const where = csv ? `; all of them are in <code>${esc(csv)}</code> when that breakdown was requested` : ''
  return {
    rows: rows.slice(0, TABLE_ROW_LIMIT),
    note: `<p class="note">Showing the ${TABLE_ROW_LIMIT} largest of ${formatCredits(rows.length)} ${esc(what)}${where}.</p>`,
  }
}

/** A headline figure card: label, value and, when there is one, a line of detail. */
export function kpi(label: string, value: string, detail = ''): string {
  return `<div class="kpi"><div class="kpi-label">${esc(label)}</div><div class="kpi-value">${esc(value)}</div>${detail ? `<div class="kpi-detail">${esc(detail)}</div>` : ''}</div>`
}

/** Dollars of a Summary credit figure for which the Summary holds no dollars, exact to the cent (core/exact-money). */
export function dollarsOfCredits(credits: number, price: number): string {
  return formatDollars(dollarsOfCreditFigure(credits, price))
}
