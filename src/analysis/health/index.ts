import type {DuckDBConnection} from '@duckdb/node-api'

import type {FlakyTestSession} from '../../api/insights.js'
import {divideRounded} from '../../core/exact-money.js'
import {collectGarbage} from '../../core/collect-garbage.js'
import {phase} from '../profile.js'
import {creditsToNumber, NONE_LABEL, ratio} from '../build.js'
import {
  HEALTH_PERCENTILE,
  type Health,
  type HealthBranches,
  type HealthBucket,
  type HealthJob,
  type HealthWorkflow,
  type ProjectDefaultBranch,
  type Waste,
  type WasteFigure,
} from '../summary.js'
import {CONVENTIONAL_DEFAULT_BRANCHES, NO_DEFAULT_BRANCH_RULES, resolveDefaultBranch, unmatchedProjectRules, type DefaultBranchRules} from './branches.js'
import {collectFlakyTests, flakyTestTargets} from './flaky.js'
import {compareText} from '../../core/compare-text.js'
import {mostCreditsFirst} from './order.js'
export {flakyTestsOfProjects} from './flaky.js'
import {
  addRerunFigures,
  buildHealthTables,
  countRerunAttempts,
  queryJobGroups,
  queryPipelineStats,
  queryProjectBranchSpend,
  queryProjectSources,
  queryTriggerGroups,
  queryWorkflowGroups,
  type JobGroup,
  type ProjectBranchSpend,
  type SpendGroup,
  type WorkflowGroup,
} from './queries.js'

export {HEALTH_ROW_COLUMNS, FLAKY_ROW_COLUMNS} from './columns.js'
export {parseDefaultBranchRules, type DefaultBranchRules} from './branches.js'

export interface ComputeHealthOptions {
  /** SQL boolean over the relation's columns: the report's rows (filters and window). */
  filterSql?: string
  /** How many jobs each waste figure lists. */
  top: number
  defaultBranches?: DefaultBranchRules
  /** Reads flaky tests from Insights; needs FLAKY_ROW_COLUMNS in the relation. Null: no flaky tests. */
  flakyTests?: FlakyTestSession | null
  warn?: (line: string) => void
  /**
   * The report's branch breakdown entries of the same rows, a relation (EnrichScope.branchEntries): the branch
   * split then needs no pass over the rows of its own, and no branch in JavaScript.
   */
  branchEntries: string
}

const GARBAGE_AFTER_JOB_GROUPS = 10_000

/**
 * The health section and the waste figures, from the report's rows (`relation` needs HEALTH_ROW_COLUMNS). Every
 * credit figure is an exact sum; every breakdown of the report's credits (triggers, branch kinds) adds up to
 * the report's total.
 */
export async function computeHealth(connection: DuckDBConnection, relation: string, options: ComputeHealthOptions): Promise<{health: Health; waste: Waste}> {
  const where = options.filterSql ? `(${options.filterSql})` : 'TRUE'
  const warn = options.warn ?? (() => undefined)
  const jobGroups = await queryJobGroups(connection, relation, where)
  // Their conversion's garbage grows with the groups (~40 MB less peak RSS for 47,000); a team's few need none.
  if (jobGroups.length >= GARBAGE_AFTER_JOB_GROUPS) collectGarbage()
  phase('health: jobs')
  const tables = await buildHealthTables(connection, relation, where, jobGroups)
  phase('health: runs, pipelines, reruns')
  try {
    await addRerunFigures(connection, relation, where, tables, jobGroups)
    const total = jobGroups.reduce((sum, group) => sum + group.credits, 0n)
    const jobs = jobGroups.filter((group): group is JobGroup & {job: string} => group.job !== null).map(toHealthJob).sort(byCreditsThenName)
    const workflows = toHealthWorkflows(jobGroups, await queryWorkflowGroups(connection, tables)).sort(byCreditsThenName)
    const triggerSources = toBuckets(await queryTriggerGroups(connection, relation, where), total)
    const rules = options.defaultBranches ?? NO_DEFAULT_BRANCH_RULES
    const branches = branchKinds(await queryProjectBranchSpend(connection, options.branchEntries, rules, CONVENTIONAL_DEFAULT_BRANCHES, NONE_LABEL), total, rules, warn)
    const pipelineStats = await queryPipelineStats(connection, tables)
    const waste = wasteOf(jobGroups, await countRerunAttempts(connection, tables), options.top)
    phase('health: workflows, triggers, branches, pipelines, waste')
    let flakyTests: Health['flakyTests'] = null
    if (options.flakyTests) {
      const targets = flakyTestTargets(await queryProjectSources(connection, relation, where))
      flakyTests = await options.flakyTests((fetch) => collectFlakyTests(targets, fetch, jobs, warn))
    }
    const health: Health = {
      percentile: HEALTH_PERCENTILE,
      jobs,
      workflows,
      triggerSources,
      branches,
      pipelines: {
        count: pipelineStats.count,
        creditsP50: pipelineStats.p50,
        creditsP95: pipelineStats.p95,
        creditsMean: pipelineStats.count === 0 ? null : creditsToNumber(divideRounded(pipelineStats.credits, BigInt(pipelineStats.count))),
      },
      flakyTests,
    }
    return {health, waste}
  } finally {
    await tables.drop()
  }
}

function perRun(micro: bigint, runs: number): number | null {
  return runs > 0 ? creditsToNumber(divideRounded(micro, BigInt(runs))) : null
}

function share(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null
}

function toHealthJob(group: JobGroup & {job: string}): HealthJob {
  return {
    org: group.org,
    project: group.project ?? NONE_LABEL,
    workflow: group.workflow,
    job: group.job,
    runs: group.runs,
    successfulRuns: group.successfulRuns,
    failedRuns: group.failedRuns,
    canceledRuns: group.canceledRuns,
    successRate: share(group.successfulRuns, group.runs - group.canceledRuns - group.runningRuns),
    durationP50Seconds: group.durationP50,
    durationP95Seconds: group.durationP95,
    queueP50Seconds: group.queueP50,
    queueP95Seconds: group.queueP95,
    credits: creditsToNumber(group.credits),
    creditsPerSuccessfulRun: perRun(group.credits, group.successfulRuns),
    cpuMedianPct: group.cpuMedian,
    ramMedianPct: group.ramMedian,
    failedCredits: creditsToNumber(group.failedCredits),
    canceledCredits: creditsToNumber(group.canceledCredits),
    rerunCredits: creditsToNumber(group.rerunCredits),
  }
}

/** Workflows with the names and credits of their rows (job groups) and the run figures of the run table. */
function toHealthWorkflows(jobGroups: JobGroup[], runGroups: WorkflowGroup[]): HealthWorkflow[] {
  const runs = new Map(runGroups.map((group) => [group.workflowCode, group]))
  const workflows = new Map<string, {group: JobGroup; credits: bigint}>()
  for (const group of jobGroups) {
    const entry = workflows.get(group.workflowCode)
    if (entry) entry.credits += group.credits
    else workflows.set(group.workflowCode, {group, credits: group.credits})
  }
  return [...workflows.entries()].map(([code, {group, credits}]) => {
    const run = runs.get(code)
    const runCount = run?.runs ?? 0
    const finished = run?.finishedRuns ?? 0
    const canceled = run?.canceledRuns ?? 0
    return {
      org: group.org,
      project: group.project ?? NONE_LABEL,
      workflow: group.workflow,
      runs: runCount,
      finishedRuns: finished,
      successfulRuns: run?.successfulRuns ?? 0,
      canceledRuns: canceled,
      successRate: share(run?.successfulRuns ?? 0, finished - canceled),
      durationP50Seconds: run?.durationP50 ?? null,
      durationP95Seconds: run?.durationP95 ?? null,
      credits: creditsToNumber(credits),
      creditsPerRun: perRun(credits, runCount),
    }
  })
}

type Named = {credits: number; org: string | null; project: string; workflow: string | null; job?: string}

function byCreditsThenName(a: Named, b: Named): number {
  return b.credits - a.credits || compareText(a.project, b.project) || compareText(a.workflow, b.workflow) || compareText(a.job ?? null, b.job ?? null) || compareText(a.org, b.org)
}

interface Accumulated {
  jobs: number
  credits: bigint
}

function bucket(key: string, sum: Accumulated, total: bigint): HealthBucket {
  return {key, jobs: sum.jobs, credits: creditsToNumber(sum.credits), share: ratio(sum.credits, total)}
}

function add(target: Accumulated, group: Pick<SpendGroup, 'jobs' | 'credits'>): void {
  target.jobs += group.jobs
  target.credits += group.credits
}

function toBuckets(groups: SpendGroup[], total: bigint): HealthBucket[] {
  const byKey = new Map<string, Accumulated>()
  for (const group of groups) {
    const key = group.key ?? NONE_LABEL
    const sum = byKey.get(key) ?? {jobs: 0, credits: 0n}
    add(sum, group)
    byKey.set(key, sum)
  }
  return [...byKey.entries()]
    .sort(([keyA, a], [keyB, b]) => mostCreditsFirst(a.credits, b.credits) || compareText(keyA, keyB))
    .map(([key, sum]) => bucket(key, sum, total))
}

/** Splits the credits into each project's default branch, its other branches, and projects whose default is unknown. */
function branchKinds(projects: ProjectBranchSpend[], total: bigint, rules: DefaultBranchRules, warn: (line: string) => void): HealthBranches {
  for (const project of unmatchedProjectRules(rules, new Set(projects.map((entry) => entry.project)))) {
    warn(`--default-branch ${project}=... names no project in the report; check the name (exact, case-sensitive).`)
  }
  const kinds = {default: zero(), other: zero(), unknown: zero()}
  const perProject: (Omit<ProjectDefaultBranch, 'credits'> & {micro: bigint})[] = []
  for (const entry of projects) {
    const resolved = resolveDefaultBranch(entry.project, new Set(entry.conventional.keys()), rules)
    let onDefault = 0n
    let elsewhere = 0n
    if (resolved.defaultBranch === null) add(kinds.unknown, entry.all)
    else {
      const onBranch = (resolved.source === 'flag' ? entry.ruled : entry.conventional.get(resolved.defaultBranch)) ?? zero()
      add(kinds.default, onBranch)
      add(kinds.other, {jobs: entry.all.jobs - onBranch.jobs, credits: entry.all.credits - onBranch.credits})
      onDefault = onBranch.credits
      elsewhere = entry.all.credits - onBranch.credits
    }
    perProject.push({
      org: entry.org,
      project: entry.project,
      ...resolved,
      defaultCredits: creditsToNumber(onDefault),
      otherCredits: creditsToNumber(elsewhere),
      micro: entry.all.credits,
    })
  }
  perProject.sort((a, b) => mostCreditsFirst(a.micro, b.micro) || compareText(a.project, b.project) || compareText(a.org, b.org))
  return {
    default: bucket('default', kinds.default, total),
    other: bucket('other', kinds.other, total),
    unknown: bucket('unknown', kinds.unknown, total),
    projects: perProject.map(({micro, ...project}) => ({...project, credits: creditsToNumber(micro)})),
  }
}

function zero(): Accumulated {
  return {jobs: 0, credits: 0n}
}

function wasteOf(groups: JobGroup[], rerunAttempts: number, top: number): Waste {
  const figure = (credits: (group: JobGroup) => bigint, jobs: (group: JobGroup) => number): WasteFigure => {
    const total = groups.reduce((sum, group) => sum + credits(group), 0n)
    const named = groups
      .filter((group): group is JobGroup & {job: string} => group.job !== null && (credits(group) > 0n || jobs(group) > 0))
      .sort((a, b) => {
        const difference = credits(b) - credits(a)
        if (difference !== 0n) return difference > 0n ? 1 : -1
        // Organization last, as byCreditsThenName: equal spend of one job in two orgs must not follow DuckDB's group order.
        return jobs(b) - jobs(a) || compareText(a.project, b.project) || compareText(a.workflow, b.workflow) || compareText(a.job, b.job) || compareText(a.org, b.org)
      })
    return {
      credits: creditsToNumber(total),
      jobs: groups.reduce((sum, group) => sum + jobs(group), 0),
      topJobs: named.slice(0, top).map((group) => ({
        org: group.org,
        project: group.project ?? NONE_LABEL,
        workflow: group.workflow,
        job: group.job,
        credits: creditsToNumber(credits(group)),
        jobs: jobs(group),
      })),
    }
  }
  return {
    reruns: {...figure((group) => group.rerunCredits, (group) => group.rerunJobs), attempts: rerunAttempts},
    failed: figure((group) => group.failedCredits, (group) => group.failedJobs),
    canceled: figure((group) => group.canceledCredits, (group) => group.canceledJobs),
    total: creditsToNumber(groups.reduce((sum, group) => sum + group.wasteCredits, 0n)),
  }
}
