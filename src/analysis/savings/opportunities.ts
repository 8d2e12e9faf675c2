import {numberToCredits} from '../../core/exact-money.js'
import {formatCredits} from '../../core/format-credits.js'
import {projectionWording} from '../../core/projection.js'
import {creditsToNumber} from '../build.js'
import {compareText} from '../../core/compare-text.js'
import type {RightsizingCandidate, SavingsOpportunity, Window} from '../summary.js'

export const TOP_OPPORTUNITIES = 3

/**
 * The largest savings in credits per week, best first: downsizes with a known saving. Only rightsizing is a
 * saving: failed-run spend is not (fixing a job does not make its runs free), so it is reported as spend in
 * `waste`, never here. Upsizes cost credits and downsizes without an estimate cannot be ranked. Ties keep a
 * stable order (the change text) so reports do not flicker.
 *
 * A job's resource_class is set once for every workflow that runs it, so the same job moved off the same class in
 * several workflows is one change to make: one opportunity (organization x project x job x class x executor x
 * target), naming its workflows, its saving the exact sum of theirs. Listed per workflow it read as the same line
 * two or three times, each with a part of the saving.
 */
export function buildTopOpportunities(rightsizing: RightsizingCandidate[], window?: Window, limit = TOP_OPPORTUNITIES): SavingsOpportunity[] {
  const changes = new Map<string, RightsizingCandidate[]>()
  for (const c of rightsizing) {
    if (c.direction !== 'down' || c.estimatedSavingsPerWeek === null || c.estimatedSavingsPerWeek <= 0) continue
    const key = JSON.stringify([c.org, c.project, c.job, c.resourceClass, c.executor, c.suggestedClass])
    changes.set(key, [...(changes.get(key) ?? []), c])
  }
  const orgs = new Set([...changes.values()].map(([first]) => first.org))
  // The same job and class under two executors (a Docker and a machine `medium`) is two changes whose headlines
  // read alike; those name their executor.
  const executorsOf = new Map<string, Set<string | null>>()
  for (const [first] of changes.values()) {
    const key = withoutExecutor(first)
    executorsOf.set(key, (executorsOf.get(key) ?? new Set()).add(first.executor))
  }
  return [...changes.values()]
    .map((candidates) => rightsizingOpportunity(candidates, window, {org: orgs.size > 1, executor: executorsOf.get(withoutExecutor(candidates[0]))!.size > 1}))
    .sort((a, b) => b.creditsPerWeek - a.creditsPerWeek || compareText(a.title, b.title))
    .slice(0, limit)
}

const withoutExecutor = (c: RightsizingCandidate) => JSON.stringify([c.org, c.project, c.job, c.resourceClass, c.suggestedClass])

function rightsizingOpportunity(candidates: RightsizingCandidate[], window: Window | undefined, name: HeadlineNames): SavingsOpportunity {
  const [first] = candidates
  // Each workflow's estimate is exact to the micro-credit; their sum in micro-credits is too (no float drift).
  const saved = creditsToNumber(candidates.reduce((sum, c) => sum + numberToCredits(c.estimatedSavingsPerWeek ?? 0), 0n))
  const projected = window ? `, ${projectionWording(window)}` : ''
  const workflows = candidates.map((c) => c.workflow)
  const across = candidates.length > 1 ? ` (workflows ${workflows.map(workflowName).join(', ')})` : ''
  return {
    kind: 'rightsizing',
    title: `${rightsizingHeadline(first, name)}: saves about ${formatCredits(saved)} credits/week${across}${projected}`,
    creditsPerWeek: saved,
    evidence: candidates.map((c) => `workflow ${workflowName(c.workflow)}: ${workflowEvidence(c)}`).join('; '),
    change: first.change,
    workflows,
  }
}

function workflowEvidence(c: RightsizingCandidate): string {
  return (
    `${c.runsWithUtilisation} of ${c.runs} runs with utilisation data; median CPU ${pct(c.medianCpuPct)}, ` +
    `median RAM ${pct(c.medianRamPct)}, p95 of max CPU ${pct(c.p95MaxCpuPct)}, p95 of max RAM ${pct(c.p95MaxRamPct)}, ` +
    `spikes in ${pct(c.spikeShare * 100)} of runs; ${formatCredits(c.creditsPerWeek)} compute credits/week at ` +
    `${c.currentRate} credits/min, ${c.suggestedRate} on ${c.suggestedClass}`
  )
}

function workflowName(workflow: string | null | undefined): string {
  return workflow ?? '(none)'
}

/**
 * The start of a rightsizing opportunity's title. The change text names only the target class, so the same job
 * moving from two classes (large and medium+, in two workflows) has two opportunities with one change text; the
 * headline tells them apart for a reader that has to find the candidate again (Slack names the class it left).
 * When the list covers two organizations, it names the organization too: their same-named jobs are two changes.
 */
export function rightsizingHeadline(
  c: Pick<RightsizingCandidate, 'org' | 'job' | 'project' | 'resourceClass' | 'executor' | 'suggestedClass'>,
  name: HeadlineNames = {},
): string {
  const org = name.org && c.org !== null ? ` of organization ${c.org}` : ''
  const executor = name.executor ? ` (${executorName(c.executor)})` : ''
  return `Downsize job ${c.job} of project ${c.project}${org} from ${c.resourceClass}${executor} to ${c.suggestedClass}`
}

/** What a headline names beyond the job, project and classes, to tell apart two changes that read alike. */
export interface HeadlineNames {
  org?: boolean
  executor?: boolean
}

export function executorName(executor: string | null): string {
  return executor === null ? 'no executor' : `${executor} executor`
}

function pct(value: number): string {
  return `${Math.round(value * 10) / 10} %`
}
