/**
 * Whether this run posts to Slack. Pure, so the thresholds are testable at their exact edges, and every
 * answer carries the reason the CLI prints (a run that stays quiet says why).
 */
import type {Summary} from '../analysis/summary.js'
import {comparePctOfLimit, numberToCredits} from '../core/exact-money.js'
import {percentChange} from './format.js'

// Reasons are read next to the threshold, so they keep two decimals: 14.99% must not read as "15%, below 15%".
const precise = new Intl.NumberFormat('en-US', {maximumFractionDigits: 2})
const formatCredits = (credits: number) => precise.format(credits)
const formatSignedPct = (pct: number) => `${pct < 0 ? '-' : '+'}${precise.format(Math.abs(pct))}%`

export type NotifyPolicy = {
  mode: 'always' | 'never'
  changeOverPct?: number
  creditsOver?: number
  /** --notify-if-budget-at-risk: post when a budget is warn, high or over. */
  budgetAtRisk?: boolean
  /** --notify-if-anomaly: post when an anomaly was found. */
  anomaly?: boolean
}

/**
 * `never` wins. Without thresholds, `always` posts. With one or both thresholds, the run posts when ANY of
 * them is reached (>=): a big swing and a big bill each deserve a message on their own.
 */
export function shouldNotify(summary: Summary, policy: NotifyPolicy): {post: boolean; reason: string} {
  if (policy.mode === 'never') return {post: false, reason: 'not posting: --notify never'}
  const checks: {crossed: boolean; reason: string}[] = []
  const total = summary.totals.credits.total
  if (policy.changeOverPct !== undefined) checks.push(checkChange(summary, policy.changeOverPct))
  if (policy.creditsOver !== undefined) {
    const crossed = total >= policy.creditsOver
    checks.push({
      crossed,
      reason: `total credits ${formatCredits(total)} ${crossed ? 'reached' : 'are below'} --notify-if-credits-over ${formatCredits(policy.creditsOver)}`,
    })
  }
  if (policy.budgetAtRisk) checks.push(checkBudgets(summary))
  if (policy.anomaly) checks.push(checkAnomalies(summary))
  if (checks.length === 0) return {post: true, reason: 'posting: --notify always'}
  const crossed = checks.filter((check) => check.crossed)
  if (crossed.length > 0) return {post: true, reason: `posting: ${crossed.map((check) => check.reason).join('; ')}`}
  return {post: false, reason: `not posting: ${checks.map((check) => check.reason).join('; ')}`}
}

function checkChange(summary: Summary, thresholdPct: number): {crossed: boolean; reason: string} {
  const flag = `--notify-if-change-over ${thresholdPct}%`
  const comparison = summary.comparison
  if (!comparison) {
    return {crossed: false, reason: `the report has no comparison (report without --compare previous, or run --compare none) for ${flag}`}
  }
  if (comparison.previousEmpty) return {crossed: false, reason: `the input has no usage in the previous window to compare with for ${flag}`}
  const current = summary.totals.credits.total
  const previous = comparison.previous.credits
  const pct = percentChange(current, previous)
  if (pct === null) {
    // From nothing to something is an unbounded change; from nothing to nothing is no change at all.
    const crossed = current !== 0
    return {crossed, reason: crossed ? `credits rose from 0 to ${formatCredits(current)} (reached ${flag})` : `credits were 0 in both windows (below ${flag})`}
  }
  // Judged in exact decimals, as budgets are: in floats 1.15 credits against 1 changed 14.999999999999991 %, below 15.
  const difference = numberToCredits(current) - numberToCredits(previous)
  const magnitude = difference < 0n ? -difference : difference
  const crossed = comparePctOfLimit(magnitude, null, Math.abs(previous), thresholdPct) >= 0
  // Below the threshold, a change that would round up to it is cut to the hundredth: 14.996 % read "+15% ... (below 15%)".
  const roundsUpToIt = !crossed && Number(precise.format(Math.abs(pct)).replaceAll(',', '')) >= thresholdPct
  const shown = roundsUpToIt ? Math.sign(pct) * Number((magnitude * 10_000n) / numberToCredits(Math.abs(previous))) / 100 : pct
  return {crossed, reason: `credits changed ${formatSignedPct(shown)} vs the previous window (${crossed ? 'reached' : 'below'} ${flag})`}
}

function checkBudgets(summary: Summary): {crossed: boolean; reason: string} {
  const flag = '--notify-if-budget-at-risk'
  if (!summary.budgets) return {crossed: false, reason: `no budgets in the summary for ${flag} (give --budgets FILE with --history)`}
  const atRisk = summary.budgets.filter((budget) => budget.status !== 'ok')
  if (atRisk.length === 0) return {crossed: false, reason: `all ${summary.budgets.length} budget(s) are ok (${flag})`}
  return {crossed: true, reason: `${atRisk.length} budget(s) at risk: ${atRisk.map((budget) => `${budget.name} ${budget.status}`).join(', ')} (${flag})`}
}

function checkAnomalies(summary: Summary): {crossed: boolean; reason: string} {
  const flag = '--notify-if-anomaly'
  if (!summary.anomalies) return {crossed: false, reason: `no anomaly detection in the summary for ${flag} (give --history)`}
  if (summary.anomalies.length === 0) return {crossed: false, reason: `no anomaly found (${flag})`}
  return {crossed: true, reason: `${summary.anomalies.length} anomal${summary.anomalies.length === 1 ? 'y' : 'ies'} found (${flag})`}
}
