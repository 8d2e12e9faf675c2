/**
 * The report page's history section: month-end forecast, budgets, anomalies and the weekly trend (the chart is
 * with the others in the Charts section). Pure: reads only the Summary; every piece of data text is escaped.
 */
import type {Anomaly, BudgetStatus, Summary, TrendWeek} from '../../analysis/summary.js'
import {endedMonthDays, monthEnded} from '../../analysis/month-ended.js'
import {lastWeekChange} from '../../analysis/week-change.js'
import {escapeXml} from '../../charts/escape.js'
import {formatCredits, formatDollars, formatPercentChange, formatRatio} from '../../charts/format.js'
import {kpi} from '../layout.js'
import {type Column, renderTable} from '../table.js'

const esc = escapeXml

export const HISTORY_SECTION_ID = 'history'

function amount(value: number, unit: BudgetStatus['unit']): string {
  return unit === 'usd' ? formatDollars(value) : `${formatCredits(value)} credits`
}

const STATUS_TEXT: Record<BudgetStatus['status'], string> = {ok: 'ok', warn: 'warn (75 %+)', high: 'high (90 %+)', over: 'OVER (100 %+)'}

function budgetsPart(budgets: BudgetStatus[]): string {
  if (budgets.length === 0) return '<p class="empty">The budgets file lists no budget.</p>'
  const columns: Column<BudgetStatus>[] = [
    {heading: 'Budget', text: (b) => `${b.scope} ${b.name}`},
    {heading: 'Period', text: (b) => b.period},
    {heading: 'Limit', numeric: true, text: (b) => amount(b.limit, b.unit), sort: (b) => b.limit},
    {heading: 'Spent so far', numeric: true, text: (b) => amount(b.actual, b.unit), sort: (b) => b.actual},
    {heading: 'Projected', numeric: true, text: (b) => amount(b.projected, b.unit), sort: (b) => b.projected},
    {heading: '% of limit', numeric: true, text: (b) => `${b.pctOfLimit.toFixed(1)} %`, sort: (b) => b.pctOfLimit},
    {heading: 'Status', text: (b) => STATUS_TEXT[b.status]},
  ]
  return renderTable(columns, budgets, 'Budgets, judged on the projection for the period open on the report\'s last day (weeks Monday to Sunday UTC)')
}

function anomaliesPart(anomalies: Anomaly[]): string {
  if (anomalies.length === 0) return '<p class="empty">No day of this window spent far above its scope\'s baseline.</p>'
  const columns: Column<Anomaly>[] = [
    {heading: 'Day', text: (a) => a.day},
    {heading: 'Scope', text: (a) => a.scope},
    {heading: 'Name', text: (a) => a.name},
    {heading: 'Credits', numeric: true, text: (a) => formatCredits(a.credits), sort: (a) => a.credits},
    {heading: 'Baseline', numeric: true, text: (a) => formatCredits(a.baseline), sort: (a) => a.baseline},
    {heading: 'x baseline', numeric: true, text: (a) => formatRatio(a.ratio), sort: (a) => a.ratio},
  ]
  return renderTable(columns, anomalies, 'Days far above the median of the 28 days before (robust to outliers; small amounts never count)')
}

function weeksPart(weeks: TrendWeek[]): string {
  const columns: Column<TrendWeek>[] = [
    {heading: 'Week (Monday)', text: (w) => w.start},
    {heading: 'Credits', numeric: true, text: (w) => formatCredits(w.credits), sort: (w) => w.credits},
    {heading: 'Jobs', numeric: true, text: (w) => formatCredits(w.jobs), sort: (w) => w.jobs},
    {heading: 'Failed credits', numeric: true, text: (w) => formatCredits(w.failedCredits), sort: (w) => w.failedCredits},
    {heading: 'Complete', text: (w) => (w.complete ? 'yes' : w === weeks.at(-1) ? 'no (so far)' : 'no (days missing from the history)')},
  ]
  return renderTable(columns, weeks, 'Credits per ISO week, oldest first')
}

/**
 * Whether the page has the section: a report with a history has a trend; a team's page has no trend of its own
 * but its Summary carries the budgets and anomalies about the team, which its Slack message shows too.
 */
export function hasHistorySection(summary: Summary): boolean {
  return Boolean(summary.trend || summary.budgets || summary.anomalies)
}

export function historySectionHeading(summary: Summary): string {
  return summary.trend ? 'Trend, forecast, budgets and anomalies' : 'Budgets and anomalies'
}

/** The section's body, or '' without a history. */
export function historySection(summary: Summary): string {
  if (!hasHistorySection(summary)) return ''
  const trend = summary.trend ?? null
  const cards: string[] = []
  const forecast = summary.forecast
  if (forecast && monthEnded(forecast)) {
    cards.push(kpi(`Month ${forecast.period}`, `${formatCredits(forecast.actualToDate)} credits`, `ended: ${endedMonthDays(forecast, ' held')}`))
  } else if (forecast) {
    cards.push(
      kpi(
        `Forecast for ${forecast.period}`,
        `${formatCredits(forecast.projected)} credits`,
        `80 %: ${formatCredits(forecast.low)} – ${formatCredits(forecast.high)} · ${formatCredits(forecast.actualToDate)} so far, day ${forecast.daysElapsed} of ${forecast.daysInPeriod}`,
      ),
    )
  }
  const change = trend ? lastWeekChange(trend) : null
  if (change) {
    const detail = change.before ? `${formatPercentChange(change.pct)} on the week before` : 'the first complete week held'
    cards.push(kpi(`Week of ${change.last.start}`, `${formatCredits(change.last.credits)} credits`, detail))
  }
  if (summary.budgets) {
    const atRisk = summary.budgets.filter((budget) => budget.status !== 'ok')
    cards.push(kpi('Budgets at risk', `${atRisk.length} of ${summary.budgets.length}`, atRisk.length > 0 ? atRisk.map((b) => `${b.name}: ${b.status}`).join(', ') : 'all within 75 % of their limit'))
  }
  if (summary.anomalies) cards.push(kpi('Anomalies', String(summary.anomalies.length), summary.anomalies.length > 0 ? 'days far above the baseline, below' : 'none in this window'))
  const parts = [`<div class="kpis">\n${cards.join('\n')}\n</div>`]
  if (summary.budgets) parts.push('<h3>Budgets</h3>', budgetsPart(summary.budgets))
  if (summary.anomalies) parts.push('<h3>Anomalies</h3>', anomaliesPart(summary.anomalies))
  if (trend) parts.push('<h3>Weeks</h3>', weeksPart(trend.weeks))
  if (forecast) parts.push(`<p class="note">Forecast method: ${esc(forecast.method)}. Days the history lacks are projected, never counted as zero.</p>`)
  return parts.join('\n')
}
