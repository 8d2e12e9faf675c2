/**
 * The history's lines under the terminal table and in Markdown: trend, forecast, budgets at risk, anomalies.
 * Plain text; the renderers make it terminal- or Markdown-safe like every other statistics line.
 */
import type {Summary} from '../analysis/summary.js'
import {endedMonthDays, monthEnded} from '../analysis/month-ended.js'
import {lastWeekChange} from '../analysis/week-change.js'
import {endRightToLeftRun} from '../core/bidi.js'
import {formatCredits, formatRatio, formatSignedPercent} from '../core/format-credits.js'
import {money} from './text-table.js'

function amount(value: number, unit: 'credits' | 'usd'): string {
  return unit === 'usd' ? money.format(value) : `${formatCredits(value)} credits`
}

export function historyLines(summary: Summary): string[] {
  const lines: string[] = []
  const trend = summary.trend
  if (trend) {
    const change = lastWeekChange(trend)
    const last = change?.last
    const current = trend.weeks.at(-1)
    const parts = [`Trend (${trend.weeks.length} ISO week${trend.weeks.length === 1 ? '' : 's'}):`]
    if (change) parts.push(`week of ${change.last.start} ${formatCredits(change.last.credits)} credits${change.before ? ` (${formatSignedPercent(change.pct)} on the week before)` : ''}`)
    if (current && !current.complete) parts.push(`${last ? '· ' : ''}week of ${current.start} so far ${formatCredits(current.credits)}`)
    lines.push(parts.join(' '))
  }
  const forecast = summary.forecast
  if (forecast && monthEnded(forecast)) {
    lines.push(`Month ${forecast.period} ended at ${formatCredits(forecast.actualToDate)} credits (${endedMonthDays(forecast)})`)
  } else if (forecast) {
    lines.push(
      `Forecast ${forecast.period}: ${formatCredits(forecast.projected)} credits (80%: ${formatCredits(forecast.low)}–${formatCredits(forecast.high)}); ${formatCredits(forecast.actualToDate)} so far, day ${forecast.daysElapsed} of ${forecast.daysInPeriod}`,
    )
  }
  if (summary.budgets) {
    const atRisk = summary.budgets.filter((budget) => budget.status !== 'ok')
    lines.push(`Budgets: ${atRisk.length} of ${summary.budgets.length} at risk${atRisk.length > 0 ? ':' : ''}`)
    for (const budget of atRisk) {
      lines.push(`  ${budget.status.toUpperCase()}: ${budget.scope} ${endRightToLeftRun(budget.name)} (${budget.period}) projected ${amount(budget.projected, budget.unit)} of ${amount(budget.limit, budget.unit)} (${budget.pctOfLimit.toFixed(1)}%)`)
    }
  }
  if (summary.anomalies) {
    lines.push(`Anomalies: ${summary.anomalies.length === 0 ? 'none in this window' : summary.anomalies.length}`)
    for (const anomaly of summary.anomalies.slice(0, 5)) {
      lines.push(`  ${anomaly.day} ${anomaly.scope} ${endRightToLeftRun(anomaly.name)}: ${formatCredits(anomaly.credits)} credits, ${formatRatio(anomaly.ratio)} its baseline of ${formatCredits(anomaly.baseline)}`)
    }
  }
  return lines
}
