/**
 * The history's part of the Slack message (pure, from the Summary alone): budgets at risk lead the message, then
 * the month-end forecast and the anomalies; with a trend the weekly chart is the one attached. Names from the
 * data go through mrkdwnName like every other name in the message.
 */
import {dirname, join} from 'node:path'

import type {BudgetStatus, Summary} from '../analysis/summary.js'
import {endedMonthDays, monthEnded} from '../analysis/month-ended.js'
import {WEEK_CHART_PNG} from '../charts/week-chart-name.js'
import {shiftDay} from '../history/days.js'
import {listSection, type MrkdwnSection} from './blocks.js'
import {formatCredits, formatDollars, formatRatio} from './format.js'
import {MAX_NAME_CHARS} from './limits.js'
import {mrkdwnName} from './text.js'

const MAX_ANOMALY_LINES = 5
const STATUS_MARK: Record<BudgetStatus['status'], string> = {ok: 'ok', warn: ':warning: warn', high: ':large_orange_circle: high', over: ':red_circle: over'}

function amount(value: number, unit: BudgetStatus['unit']): string {
  return unit === 'usd' ? formatDollars(value) : `${formatCredits(value)} credits`
}

function budgetLine(budget: BudgetStatus): string {
  return `${budget.scope} ${mrkdwnName(budget.name, MAX_NAME_CHARS)} (${budget.period}): projected ${amount(budget.projected, budget.unit)} of ${amount(budget.limit, budget.unit)} (${budget.pctOfLimit.toFixed(1)}%)`
}

function atRisk(summary: Summary): BudgetStatus[] {
  return (summary.budgets ?? []).filter((budget) => budget.status !== 'ok')
}

/** Budgets not ok, worst first: the message leads with them. */
export function budgetAlertBlocks(summary: Summary): MrkdwnSection[] {
  const budgets = atRisk(summary).sort((a, b) => b.pctOfLimit - a.pctOfLimit)
  if (budgets.length === 0) return []
  return [listSection(`Budgets at risk (${budgets.length} of ${summary.budgets!.length})`, budgets.map((budget) => `• ${STATUS_MARK[budget.status]}: ${budgetLine(budget)}`), 'budgets')]
}

/** A team's own budgets that are ok (those at risk lead the message): a team message always says where it stands. */
export function teamBudgetBlocks(summary: Summary): MrkdwnSection[] {
  const budgets = (summary.budgets ?? []).filter((budget) => budget.status === 'ok')
  if (budgets.length === 0) return []
  return [listSection('Budgets', budgets.map((budget) => `• ok: ${budgetLine(budget)}`), 'budgets')]
}

function forecastLine(summary: Summary): string | null {
  const forecast = summary.forecast
  if (!forecast) return null
  if (monthEnded(forecast)) return `${forecast.period} ended at ${formatCredits(forecast.actualToDate)} credits (${endedMonthDays(forecast)})`
  return `${formatCredits(forecast.projected)} credits projected for ${forecast.period} (80%: ${formatCredits(forecast.low)}–${formatCredits(forecast.high)}); ${formatCredits(forecast.actualToDate)} so far, day ${forecast.daysElapsed} of ${forecast.daysInPeriod}`
}

function anomalyLines(summary: Summary): string[] {
  return (summary.anomalies ?? []).map(
    (anomaly) => `• ${anomaly.day} ${anomaly.scope} ${mrkdwnName(anomaly.name, MAX_NAME_CHARS)}: ${formatCredits(anomaly.credits)} credits, ${formatRatio(anomaly.ratio)} its baseline of ${formatCredits(anomaly.baseline)}`,
  )
}

/** The forecast and the anomalies, after the projects. */
export function historyBlocks(summary: Summary): MrkdwnSection[] {
  const blocks: MrkdwnSection[] = []
  const forecast = forecastLine(summary)
  if (forecast) blocks.push(listSection('Month-end forecast', [forecast], 'lines'))
  const anomalies = anomalyLines(summary)
  if (anomalies.length > 0) blocks.push(listSection(`Anomalies (${anomalies.length})`, anomalies.slice(0, MAX_ANOMALY_LINES), 'anomalies'))
  return blocks
}

/** Lines for the plain-text fallback: budgets first (notifications show this text), then forecast and anomalies. */
export function historyFallback(summary: Summary): {lead: string[]; tail: string[]} {
  const budgets = atRisk(summary)
  const lead = budgets.length > 0 ? [`Budgets at risk: ${budgets.map((budget) => `${budget.status} ${budgetLine(budget)}`).join('; ')}.`] : []
  const forecast = forecastLine(summary)
  const anomalies = summary.anomalies ?? []
  const tail = [
    ...(forecast ? [`Forecast: ${forecast}.`] : []),
    ...(anomalies.length > 0 ? [`Anomalies: ${anomalyLines(summary).slice(0, MAX_ANOMALY_LINES).map((line) => line.slice(2)).join('; ')}.`] : []),
  ]
  return {lead, tail}
}

export interface SlackChart {
  path: string
  title: string
  altText: string
}

/** The chart attached to the message: the weekly trend when there is one, else credits by project. */
export function slackChart(summary: Summary, projectPng: string): SlackChart {
  if (summary.trend && summary.trend.weeks.length > 0) {
    const weeks = summary.trend.weeks
    return {
      path: join(dirname(projectPng), WEEK_CHART_PNG),
      title: 'Credits by week',
      altText: `Stacked column chart of CircleCI credits per ISO week, ${weeks[0].start} to ${shiftDay(weeks[weeks.length - 1].end, -1)}`,
    }
  }
  return {
    path: projectPng,
    title: 'Credits by project',
    altText: `Bar chart of CircleCI credits by project, ${summary.window.start.slice(0, 10)} to ${shiftDay(summary.window.end.slice(0, 10), -1)}`,
  }
}
