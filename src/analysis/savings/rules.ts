import {compareScaled, numberToCredits, weeklyMicroCredits} from '../../core/exact-money.js'
import {creditsToNumber} from '../build.js'
import type {RightsizingCandidate, Savings} from '../summary.js'
import {findClass, stepDown, stepUp, type RateTable} from './rates.js'

export type Thresholds = Savings['thresholds']

export const DEFAULT_THRESHOLDS: Thresholds = {
  minRuns: 5,
  lowUtilisationPct: 40,
  spikePct: 70,
  maxSpikeShare: 0.2,
  highUtilisationPct: 80,
}

/**
 * What the query knows about one (org, project, workflow, job, resource class, executor) group. Utilisation
 * figures cover only the runs that carry all four utilisation columns (`runsWithUtilisation`); they are null when
 * no run does. `spikeShare` is over those same runs, with "spike" meaning max CPU or max RAM >= spikePct.
 */
export interface GroupStats
  extends Pick<RightsizingCandidate, 'org' | 'project' | 'workflow' | 'job' | 'resourceClass' | 'executor' | 'runs' | 'runsWithUtilisation'> {
  medianCpuPct: number | null
  medianRamPct: number | null
  p95MaxCpuPct: number | null
  p95MaxRamPct: number | null
  spikeShare: number
  /** COMPUTE_CREDITS of every run in the group: the part of the bill a resource class changes. */
  credits: number
  windowDays: number
}

/**
 * One group's verdict: a one-step downsize, a one-step upsize, or null (keep as is / not enough evidence /
 * class cannot be resized).
 *
 * Downsize when all hold:
 * - at least minRuns runs with utilisation data (runs without it never count, they are not 0 %);
 * - median CPU <= lowUtilisationPct and median RAM <= lowUtilisationPct;
 * - spikeShare < maxSpikeShare (a job that peaks at >= spikePct in 20 % of its runs keeps its headroom). The next
 *   rule does not imply it: spikes split between CPU and RAM (one run of ten at 70 % CPU, another at 70 % RAM, the
 *   rest at 5 %) put each p95 at 40.75 %, which medium+ -> medium scales to 61 %, under 70 %;
 * - "well below the smaller class's capacity": the p95 of max CPU, rescaled to the smaller class
 *   (p95 x current vCPUs / smaller vCPUs), stays strictly under spikePct, and likewise RAM with GB. A job peaking at
 *   45 % of a 4-vCPU large would peak at 90 % of a 2-vCPU medium, so it stays.
 * Upsize when median CPU or median RAM >= highUtilisationPct: faster runs may be worth the higher rate, and the
 * estimate says honestly what it costs (negative savings).
 */
export function classifyGroup(
  stats: GroupStats,
  thresholds: Thresholds,
  rates: RateTable,
): RightsizingCandidate | null {
  if (!isMeasured(stats, thresholds)) return null
  const {medianCpuPct, medianRamPct, p95MaxCpuPct, p95MaxRamPct} = stats

  const utilisation: Utilisation = {medianCpuPct, medianRamPct, p95MaxCpuPct, p95MaxRamPct}
  const current = findClass(rates, stats.resourceClass, stats.executor)
  // GPU and runner families are absent from the table on purpose, so they never reach a suggestion.
  if (current === null) return null

  if (isBusy(stats, thresholds)) {
    const larger = stepUp(rates, current)
    return larger === null ? null : candidate(stats, utilisation, 'up', current.creditsPerMinute, larger.name, larger.creditsPerMinute)
  }

  const isLow = medianCpuPct <= thresholds.lowUtilisationPct && medianRamPct <= thresholds.lowUtilisationPct
  if (!isLow || stats.spikeShare >= thresholds.maxSpikeShare) return null
  const smaller = stepDown(rates, current)
  if (smaller === null) return null
  // Exactly: a p95 of 35 % on large is 70 % of medium, not under it.
  const cpuOnSmaller = compareScaled(p95MaxCpuPct, current.vcpus, smaller.vcpus, thresholds.spikePct)
  const ramOnSmaller = compareScaled(p95MaxRamPct, current.ramGb, smaller.ramGb, thresholds.spikePct)
  if (cpuOnSmaller >= 0 || ramOnSmaller >= 0) return null
  return candidate(stats, utilisation, 'down', current.creditsPerMinute, smaller.name, smaller.creditsPerMinute)
}

/** Enough runs with all four utilisation figures for a verdict either way. */
export function isMeasured(
  stats: GroupStats,
  thresholds: Thresholds,
): stats is GroupStats & {medianCpuPct: number; medianRamPct: number; p95MaxCpuPct: number; p95MaxRamPct: number} {
  return stats.runsWithUtilisation >= thresholds.minRuns && stats.medianCpuPct !== null && stats.medianRamPct !== null &&
    stats.p95MaxCpuPct !== null && stats.p95MaxRamPct !== null
}

/**
 * Under-provisioned: enough measured runs and a median CPU or RAM at the high threshold. Whether a larger class
 * exists (2xlarge is the top) or the class is in the rate table (GPU, runners) decides only the suggestion, not that
 * the job hits its limits.
 */
export function isBusy(stats: GroupStats, thresholds: Thresholds): boolean {
  return isMeasured(stats, thresholds) &&
    (stats.medianCpuPct >= thresholds.highUtilisationPct || stats.medianRamPct >= thresholds.highUtilisationPct)
}

interface Utilisation {
  medianCpuPct: number
  medianRamPct: number
  p95MaxCpuPct: number
  p95MaxRamPct: number
}

function candidate(
  stats: GroupStats,
  utilisation: Utilisation,
  direction: 'down' | 'up',
  currentRate: number | null,
  suggestedClass: string,
  suggestedRate: number | null,
): RightsizingCandidate {
  const creditsPerWeek = perWeek(stats.credits, stats.windowDays)
  // Credits scale with the per-minute rate only if run time stays the same: the honest first-order estimate.
  const estimatedSavingsPerWeek =
    currentRate === null || suggestedRate === null || currentRate === 0
      ? null
      : savedPerWeek(stats.credits, stats.windowDays, currentRate, suggestedRate)
  return {
    org: stats.org,
    project: stats.project,
    workflow: stats.workflow,
    job: stats.job,
    resourceClass: stats.resourceClass,
    executor: stats.executor,
    direction,
    suggestedClass,
    runs: stats.runs,
    runsWithUtilisation: stats.runsWithUtilisation,
    ...utilisation,
    spikeShare: stats.spikeShare,
    credits: stats.credits,
    creditsPerWeek,
    currentRate,
    suggestedRate,
    estimatedSavingsPerWeek,
    change: `resource_class: ${suggestedClass} in job ${stats.job} of project ${stats.project}`,
  }
}

/** Credits seen over the window as credits per 7-day week, exactly, to the micro-credit (weeklyMicroCredits). */
export function perWeek(credits: number, windowDays: number): number {
  return windowDays > 0 ? creditsToNumber(weeklyMicroCredits(numberToCredits(credits), windowDays)) : 0
}

/** credits x (1 - suggested / current) x 7 / days, exactly, rounded once to the micro-credit (weeklyMicroCredits). */
export function savedPerWeek(credits: number, windowDays: number, currentRate: number, suggestedRate: number): number {
  return windowDays > 0 ? creditsToNumber(weeklyMicroCredits(numberToCredits(credits), windowDays, {current: currentRate, suggested: suggestedRate})) : 0
}
