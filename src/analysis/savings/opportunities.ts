import {formatCredits} from '../../core/format-credits.js'
import {projectionWording} from '../../core/projection.js'
import type {RightsizingCandidate, SavingsOpportunity, Window} from '../summary.js'

export const TOP_OPPORTUNITIES = 3

/**
 * The largest savings in credits per week, best first: downsizes with a known saving. Only rightsizing is a
 * saving: failed-run spend is not (fixing a job does not make its runs free), so it is reported as spend in
 * `waste`, never here. Upsizes cost credits and downsizes without an estimate cannot be ranked. Ties keep a
 * stable order (the change text) so reports do not flicker.
 */
export function buildTopOpportunities(rightsizing: RightsizingCandidate[], window?: Window, limit = TOP_OPPORTUNITIES): SavingsOpportunity[] {
  return rightsizing
    .filter((c) => c.direction === 'down' && c.estimatedSavingsPerWeek !== null && c.estimatedSavingsPerWeek > 0)
    .map((c) => rightsizingOpportunity(c, window))
    .sort((a, b) => b.creditsPerWeek - a.creditsPerWeek || a.change.localeCompare(b.change))
    .slice(0, limit)
}

function rightsizingOpportunity(c: RightsizingCandidate, window: Window | undefined): SavingsOpportunity {
  const saved = c.estimatedSavingsPerWeek ?? 0
  const projected = window ? `, ${projectionWording(window)}` : ''
  return {
    kind: 'rightsizing',
    title: `${rightsizingHeadline(c)}: saves about ${formatCredits(saved)} credits/week${projected}`,
    creditsPerWeek: saved,
    evidence:
      `${c.runsWithUtilisation} of ${c.runs} runs with utilisation data; median CPU ${pct(c.medianCpuPct)}, ` +
      `median RAM ${pct(c.medianRamPct)}, p95 of max CPU ${pct(c.p95MaxCpuPct)}, p95 of max RAM ${pct(c.p95MaxRamPct)}, ` +
      `spikes in ${pct(c.spikeShare * 100)} of runs; ${formatCredits(c.creditsPerWeek)} compute credits/week at ` +
      `${c.currentRate} credits/min, ${c.suggestedRate} on ${c.suggestedClass}`,
    change: c.change,
  }
}

/**
 * The start of a rightsizing opportunity's title. The change text names only the target class, so the same job
 * moving from two classes (large and medium+, in two workflows) has two opportunities with one change text; the
 * headline tells them apart for a reader that has to find the candidate again (Slack names the class it left).
 */
export function rightsizingHeadline(c: Pick<RightsizingCandidate, 'job' | 'project' | 'resourceClass' | 'suggestedClass'>): string {
  return `Downsize job ${c.job} of project ${c.project} from ${c.resourceClass} to ${c.suggestedClass}`
}

function pct(value: number): string {
  return `${Math.round(value * 10) / 10} %`
}
