import type {FailingJob, RightsizingCandidate, SavingsOpportunity} from '../summary.js'
import {perWeek} from './rules.js'

export const TOP_OPPORTUNITIES = 3

/**
 * The largest opportunities in credits per week, best first: downsizes with a known saving and failing jobs by
 * their failed credits per week. Upsizes cost credits and downsizes without an estimate cannot be ranked, so
 * neither competes here. Ties keep a stable order (kind, then the change text) so reports do not flicker.
 */
export function buildTopOpportunities(
  rightsizing: RightsizingCandidate[],
  failingJobs: FailingJob[],
  windowDays: number,
  limit = TOP_OPPORTUNITIES,
): SavingsOpportunity[] {
  const fromRightsizing = rightsizing
    .filter((c) => c.direction === 'down' && c.estimatedSavingsPerWeek !== null && c.estimatedSavingsPerWeek > 0)
    .map(rightsizingOpportunity)
  const fromFailures = failingJobs
    .filter((job) => job.failedCredits > 0)
    .map((job) => failingJobOpportunity(job, windowDays))
  return [...fromRightsizing, ...fromFailures]
    .sort(
      (a, b) =>
        b.creditsPerWeek - a.creditsPerWeek || a.kind.localeCompare(b.kind) || a.change.localeCompare(b.change),
    )
    .slice(0, limit)
}

function rightsizingOpportunity(c: RightsizingCandidate): SavingsOpportunity {
  const saved = c.estimatedSavingsPerWeek ?? 0
  return {
    kind: 'rightsizing',
    title: `Downsize job ${c.job} of project ${c.project} from ${c.resourceClass} to ${c.suggestedClass}: saves about ${credits(saved)} credits/week`,
    creditsPerWeek: saved,
    evidence:
      `${c.runsWithUtilisation} of ${c.runs} runs with utilisation data; median CPU ${pct(c.medianCpuPct)}, ` +
      `median RAM ${pct(c.medianRamPct)}, p95 of max CPU ${pct(c.p95MaxCpuPct)}, p95 of max RAM ${pct(c.p95MaxRamPct)}, ` +
      `spikes in ${pct(c.spikeShare * 100)} of runs; ${credits(c.creditsPerWeek)} compute credits/week at ` +
      `${c.currentRate} credits/min, ${c.suggestedRate} on ${c.suggestedClass}`,
    change: c.change,
  }
}

function failingJobOpportunity(job: FailingJob, windowDays: number): SavingsOpportunity {
  const failedPerWeek = perWeek(job.failedCredits, windowDays)
  const workflow = job.workflow === null ? '' : ` (workflow ${job.workflow})`
  return {
    kind: 'failed-jobs',
    title: `Fix or quarantine job ${job.job} of project ${job.project}: ${plural(job.failures, 'failure')} cost ${credits(failedPerWeek)} credits/week`,
    creditsPerWeek: failedPerWeek,
    evidence:
      `${job.failures} of ${job.runs} runs failed (${pct(job.failureRate * 100)}), ` +
      `${credits(job.failedCredits)} credits spent on failed runs in ${windowDays} days`,
    change: `fix or quarantine job ${job.job}${workflow} of project ${job.project}`,
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

function credits(value: number): string {
  return Math.round(value).toLocaleString('en-US')
}

function pct(value: number): string {
  return `${Math.round(value * 10) / 10} %`
}
