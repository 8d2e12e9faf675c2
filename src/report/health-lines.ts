import {costliestHealthProblem, headlineSentence} from '../analysis/health/headline.js'
import type {Summary} from '../analysis/summary.js'
import {endRightToLeftRun} from '../core/bidi.js'
import {formatCount, formatCredits, formatShare} from '../core/format-credits.js'
import {formatSeconds} from '../core/format-duration.js'

/**
 * The health and waste lines under the terminal table and in Markdown (plain text: the caller makes it safe
 * for its medium). Waste is spend, and says so.
 */
export function healthLines(summary: Summary): string[] {
  const lines: string[] = []
  const waste = summary.waste
  if (waste) {
    lines.push(
      `Waste (spend, not savings): reruns ${formatCredits(waste.reruns.credits)} credits in ${formatCount(waste.reruns.attempts)} earlier attempt${waste.reruns.attempts === 1 ? '' : 's'}` +
        ` · failed runs ${formatCredits(waste.failed.credits)} · canceled runs ${formatCredits(waste.canceled.credits)} · ${formatCredits(waste.total)} in all (each row once)`,
    )
  }
  const health = summary.health
  if (!health) return lines
  const perPipeline = health.pipelines.creditsP50 === null
    ? 'no pipelines'
    : `credits per pipeline p50 ${formatCredits(health.pipelines.creditsP50)}, p95 ${formatCredits(health.pipelines.creditsP95 ?? 0)} (${formatCount(health.pipelines.count)} pipelines)`
  // Projects whose default branch is unknown are in neither share: named, so that the shares add up to 100 %.
  const unknown = health.branches.unknown.credits > 0 ? `, default unknown ${formatShare(health.branches.unknown.share)}` : ''
  const onDefault = `default branch ${formatShare(health.branches.default.share)} of credits, other branches ${formatShare(health.branches.other.share)}${unknown}`
  const triggers = health.triggerSources.slice(0, 4).map((bucket) => `${bucket.key} ${formatShare(bucket.share)}`).join(', ')
  lines.push(`Health: ${perPipeline} · ${onDefault}${triggers ? ` · triggers: ${triggers}` : ''}`)
  const headline = costliestHealthProblem(health)
  if (headline) lines.push(`Costliest health problem: ${headlineSentence(headline, endRightToLeftRun, formatCredits, formatSeconds, summary.totals.orgs > 1)}`)
  const flaky = health.flakyTests
  if (flaky) {
    const asked = flaky.projects.filter((project) => project.status === 'ok').length
    const incomplete = flaky.projects.some((project) => project.message !== null)
    lines.push(`Flaky tests (CircleCI Insights): ${formatCount(flaky.tests.length)} in ${asked} of ${flaky.projects.length} projects asked${incomplete ? ' (see the warnings)' : ''}`)
  }
  return lines
}
