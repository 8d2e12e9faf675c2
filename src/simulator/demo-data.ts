import {CSV_NULL, USAGE_COLUMNS, type UsageColumn} from '../core/usage-columns.js'
import {rerunOfFailedWorkflow} from './demo-reruns.js'
import {type Random, seededRandom, stableUuid} from './random.js'

/**
 * The `--demo` dataset: a generated but realistic usage export, pure given (seed, today, rowsPerDay).
 * It is built to exercise every part of the product: a skewed credit distribution, projects that appear and
 * vanish mid-range (week-over-week movers), failed/canceled/job-less rows, `\\N` utilisation, over- and
 * under-provisioned jobs (rightsizing findings) and project names that need escaping in HTML and Slack.
 */

export interface DemoRow {
  orgId: string
  /** JOB_RUN_STARTED_AT (or JOB_RUN_DATE at 00:00 when null) in epoch ms: what the API selects rows by. */
  runAtMs: number
  values: string[]
}

export interface DemoData {
  header: string[]
  rows: DemoRow[]
  orgIds: string[]
  /** The org a demo run exports; the other two orgs share its plan. */
  primaryOrgId: string
}

export interface DemoOptions {
  seed: number
  /** The simulator's "now": the data covers the DEMO_DAYS whole UTC days before this day, not this day. */
  now: Date
  /** Rows on an average day of the last DETAILED_DAYS (older days have fewer rows carrying more credits each). */
  rowsPerDay: number
}

/**
 * Days of data before "now": more than the Usage API's 366, so that the forecast backtest has a year of whole
 * months. The history, trend and forecast need the long tail; everything else reads the last DETAILED_DAYS.
 */
export const DEMO_DAYS = 420
/** The recent days at full detail; older days have 1/LIGHT_WEIGHT of the rows, each LIGHT_WEIGHT times the parallelism (same credits a day), to keep the demo quick. */
export const DETAILED_DAYS = 98
const LIGHT_WEIGHT = 5
/** Usage grows by this share a week: the trend and the forecast have something to find. */
export const WEEKLY_GROWTH = 0.01
/**
 * The spike: SPIKE_DAYS_AGO days before "now", project SPIKE_PROJECT re-ran a job SPIKE_RUNS extra times at about
 * SPIKE_CREDITS_PER_RUN credits each (the anomaly the demo shows).
 */
export const SPIKE_DAYS_AGO = 3
export const SPIKE_PROJECT = 'data-pipeline'
export const SPIKE_RUNS = 40
export const SPIKE_CREDITS_PER_RUN = 2000
const DAY_MS = 86_400_000

type Provisioning = 'normal' | 'over' | 'under'

interface ResourceClassSpec {
  creditsPerMinute: number
  executor: string
  os: string
}

const RESOURCE_CLASSES: Record<string, ResourceClassSpec> = {
  small: {creditsPerMinute: 5, executor: 'docker', os: 'linux'},
  medium: {creditsPerMinute: 10, executor: 'docker', os: 'linux'},
  'medium+': {creditsPerMinute: 15, executor: 'docker', os: 'linux'},
  large: {creditsPerMinute: 20, executor: 'docker', os: 'linux'},
  xlarge: {creditsPerMinute: 40, executor: 'docker', os: 'linux'},
  '2xlarge': {creditsPerMinute: 80, executor: 'docker', os: 'linux'},
  'arm.medium': {creditsPerMinute: 13, executor: 'machine', os: 'linux'},
  'arm.large': {creditsPerMinute: 26, executor: 'machine', os: 'linux'},
  'macos.m1.medium.gen1': {creditsPerMinute: 150, executor: 'macos', os: 'macos'},
  'windows.medium': {creditsPerMinute: 40, executor: 'windows', os: 'windows'},
  'gpu.nvidia.small': {creditsPerMinute: 160, executor: 'machine', os: 'linux'},
  // Self-hosted runners cost no compute credits: only storage/network show up.
  'acme/runner-gpu': {creditsPerMinute: 0, executor: 'runner', os: 'linux'},
}

interface JobTemplate {
  name: string
  resourceClass: keyof typeof RESOURCE_CLASSES
  /** Typical duration; each run varies around it. */
  seconds: number
  provisioning?: Provisioning
  parallelism?: number
  executor?: string
  dockerLayerCaching?: boolean
}

interface WorkflowTemplate {
  name: string
  jobs: JobTemplate[]
}

interface ProjectTemplate {
  org: 0 | 1 | 2
  name: string
  createdDate: string
  /** Relative pipeline frequency: a Pareto-like spread so a few projects dominate credits. */
  weight: number
  workflows: WorkflowTemplate[]
  /** Active only from this many days before today (a newcomer), or until this many days before today (gone). */
  activeFromDaysAgo?: number
  activeUntilDaysAgo?: number
  /** Pipeline frequency multiplier over the last 7 days (a project whose spend jumps). */
  lastWeekGrowth?: number
}

const ORGS = [
  {name: 'acme', createdDate: '2019-03-14'},
  {name: 'acme-labs', createdDate: '2021-06-02'},
  {name: 'acme-oss', createdDate: '2022-01-20'},
] as const

const job = (name: string, resourceClass: keyof typeof RESOURCE_CLASSES, seconds: number, extra: Partial<JobTemplate> = {}): JobTemplate =>
  ({name, resourceClass, seconds, ...extra})

const PROJECTS: ProjectTemplate[] = [
  {org: 0, name: 'api-gateway', createdDate: '2019-04-01', weight: 100, lastWeekGrowth: 1.5, workflows: [
    {name: 'build-test-deploy', jobs: [job('lint', 'medium', 70), job('unit-tests', 'xlarge', 420, {provisioning: 'over', parallelism: 4}), job('integration-tests', 'large', 780, {executor: 'machine'}), job('build-image', 'large', 300, {executor: 'machine', dockerLayerCaching: true}), job('deploy', 'small', 95)]},
    {name: 'nightly', jobs: [job('e2e-suite', '2xlarge', 1500, {provisioning: 'over'}), job('notify', 'small', 8)]},
  ]},
  {org: 0, name: 'web&api', createdDate: '2020-02-11', weight: 55, workflows: [
    {name: 'ci', jobs: [job('install', 'medium', 120), job('test', 'medium', 540, {provisioning: 'under', parallelism: 2}), job('build', 'large', 360), job('storybook', 'medium+', 240)]},
  ]},
  {org: 0, name: 'mobile-ios', createdDate: '2020-09-30', weight: 30, workflows: [
    {name: 'ios-build', jobs: [job('lint-swift', 'small', 60), job('build-and-test', 'macos.m1.medium.gen1', 900), job('testflight', 'macos.m1.medium.gen1', 420)]},
  ]},
  {org: 0, name: '<legacy>', createdDate: '2019-03-20', weight: 22, workflows: [
    {name: 'build', jobs: [job('compile', 'xlarge', 600, {provisioning: 'over'}), job('test', 'large', 480, {provisioning: 'over'}), job('package', 'medium', 150)]},
  ]},
  {org: 0, name: SPIKE_PROJECT, createdDate: '2021-01-12', weight: 16, workflows: [
    {name: 'etl', jobs: [job('validate-schemas', 'small', 40), job('spark-tests', 'xlarge', 720), job('gpu-smoke', 'gpu.nvidia.small', 300)]},
  ]},
  {org: 0, name: 'infra', createdDate: '2019-05-05', weight: 12, workflows: [
    {name: 'terraform', jobs: [job('fmt', 'small', 12), job('plan', 'medium', 180), job('apply', 'medium', 240)]},
  ]},
  {org: 0, name: "o'reilly-docs", createdDate: '2022-03-03', weight: 9, workflows: [
    {name: 'docs', jobs: [job('build-site', 'medium', 200, {provisioning: 'under'}), job('link-check', 'small', 90), job('publish', 'small', 30)]},
  ]},
  {org: 0, name: '*bold*', createdDate: '2023-07-07', weight: 6, workflows: [
    {name: 'ci', jobs: [job('test', 'arm.medium', 300), job('build-arm', 'arm.large', 420)]},
  ]},
  {org: 0, name: 'checkout-v2', createdDate: '2024-01-01', weight: 40, activeFromDaysAgo: 5, workflows: [
    {name: 'ci', jobs: [job('lint', 'medium', 60), job('test', 'large', 600, {parallelism: 3}), job('e2e', 'xlarge', 900)]},
  ]},
  {org: 0, name: 'old-monolith', createdDate: '2018-11-11', weight: 25, activeUntilDaysAgo: 9, workflows: [
    {name: 'build-test', jobs: [job('build', '2xlarge', 900, {provisioning: 'over'}), job('test', 'xlarge', 1200), job('archive', 'medium', 60)]},
  ]},
  {org: 1, name: 'ml-research', createdDate: '2021-08-19', weight: 18, workflows: [
    {name: 'train-eval', jobs: [job('prepare-data', 'large', 240), job('train', 'acme/runner-gpu', 2400), job('evaluate', 'gpu.nvidia.small', 600)]},
  ]},
  {org: 1, name: 'café-façade', createdDate: '2022-05-15', weight: 8, workflows: [
    {name: 'ci', jobs: [job('test', 'medium', 240), job('build', 'medium', 180)]},
  ]},
  {org: 1, name: 'windows-client', createdDate: '2021-10-10', weight: 10, workflows: [
    {name: 'windows-build', jobs: [job('build', 'windows.medium', 720), job('sign', 'windows.medium', 120)]},
  ]},
  {org: 2, name: 'sdk-python', createdDate: '2022-02-02', weight: 7, workflows: [
    {name: 'test-matrix', jobs: [job('py310', 'small', 150), job('py311', 'small', 150), job('py312', 'small', 150), job('release', 'small', 45)]},
  ]},
  {org: 2, name: 'sdk-js', createdDate: '2022-02-03', weight: 5, workflows: [
    {name: 'ci', jobs: [job('test', 'medium', 210), job('publish', 'small', 40)]},
  ]},
]

/** The spike's workflow: 2xlarge (80 credits a minute) for 25 minutes is 2,000 compute credits a run. */
const SPIKE_WORKFLOW: WorkflowTemplate = {name: 'replay-backfill', jobs: [job('replay', '2xlarge', 1500)]}

/** The demo's organization ids, primary first (what `run --demo` exports, and its history is keyed by). */
export function demoOrganizationIds(seed = 42): string[] {
  return ORGS.map((org) => stableUuid('demo-org', seed, org.name))
}

const FEATURES = ['login-flow', 'billing-fix', 'cache-warmup', 'new-navbar', 'retry-logic', 'perf-tuning', 'i18n']
const DEPENDENCIES = ['eslint-9.1.0', 'axios-1.7.2', 'lodash-4.17.21', 'jest-29.7.0', 'typescript-5.4.5']
const GROWTH_WINDOW_DAYS = 7

export function generateDemoData(options: DemoOptions): DemoData {
  const {seed, rowsPerDay} = options
  const todayMs = Math.floor(options.now.getTime() / DAY_MS) * DAY_MS
  const orgs = ORGS.map((org) => ({...org, id: stableUuid('demo-org', seed, org.name)}))
  const projects = PROJECTS.map((project) => ({
    ...project,
    id: stableUuid('demo-project', seed, project.name),
    // The project's last build: just before the demo's "now", and never after it.
    lastBuildFinishedAt: formatTimestamp(todayMs - DAY_MS + 23 * 3_600_000 + (project.weight % 50) * 60_000),
  }))

  const rows: DemoRow[] = []
  for (let daysAgo = DEMO_DAYS; daysAgo >= 1; daysAgo--) {
    const dayMs = todayMs - daysAgo * DAY_MS
    const date = formatDate(dayMs)
    const random = seededRandom('demo-day', seed, date)
    const weekday = new Date(dayMs).getUTCDay()
    const weekend = weekday === 0 || weekday === 6
    const weight = daysAgo > DETAILED_DAYS ? LIGHT_WEIGHT : 1
    const growth = (1 + WEEKLY_GROWTH) ** (-daysAgo / 7)
    const targetRows = Math.round((rowsPerDay * growth * (weekend ? 0.4 : 1.15) * (0.9 + 0.2 * random.next())) / weight)
    const active = projects.filter((p) =>
      (p.activeFromDaysAgo === undefined || daysAgo <= p.activeFromDaysAgo) &&
      (p.activeUntilDaysAgo === undefined || daysAgo >= p.activeUntilDaysAgo))
    const weights = active.map((p) => p.weight * (daysAgo <= GROWTH_WINDOW_DAYS ? p.lastWeekGrowth ?? 1 : 1))
    const dayRows: DemoRow[] = []
    let pipelineIndex = 0
    const add = (project: (typeof projects)[number], forced?: WorkflowTemplate) => {
      const org = orgs[project.org]
      const context: PipelineContext = {random, seed, date, dayMs, pipelineIndex, isLastDay: daysAgo === 1, weight}
      const pipeline = generatePipeline(context, project, org, forced)
      const rerun = rerunOfFailedWorkflow(pipeline, {seed, date, pipelineIndex, dayEndMs: dayMs + DAY_MS})
      pipelineIndex++
      for (const values of [...pipeline, ...rerun]) {
        dayRows.push({orgId: org.id, runAtMs: runAtOf(values), values})
      }
    }
    while (dayRows.length < targetRows) add(random.weighted(active, weights))
    if (daysAgo === SPIKE_DAYS_AGO) {
      const spiking = projects.find((project) => project.name === SPIKE_PROJECT)!
      for (let run = 0; run < SPIKE_RUNS; run++) add(spiking, SPIKE_WORKFLOW)
    }
    rows.push(...dayRows)
  }

  return {header: [...USAGE_COLUMNS], rows, orgIds: orgs.map((o) => o.id), primaryOrgId: orgs[0].id}
}

interface PipelineContext {
  random: Random
  seed: number
  date: string
  dayMs: number
  pipelineIndex: number
  isLastDay: boolean
  /** Parallelism multiplier of the day's jobs (older days: fewer rows, each standing for several). */
  weight: number
}

type Row = Partial<Record<UsageColumn, string | number | boolean>>

function generatePipeline(
  context: PipelineContext,
  project: ProjectTemplate & {id: string; lastBuildFinishedAt: string},
  org: {id: string; name: string; createdDate: string},
  /** A workflow that runs to success (the spike), instead of one of the project's picked at random. */
  forced?: WorkflowTemplate,
): string[][] {
  const {random, seed, date, dayMs, pipelineIndex} = context
  const dayNumber = Math.floor(dayMs / DAY_MS)
  // Working hours are busier; workflows start before 21:00 so every job stays on the same UTC day.
  const hour = random.chance(0.8) ? random.int(8, 19) : random.int(0, 20)
  const pipelineCreatedMs = dayMs + hour * 3_600_000 + random.int(0, 3_599_999)
  const trigger = random.weighted(['webhook', 'scheduled_pipeline', 'api'], [75, 15, 10])
  const branch = pickBranch(random)
  const workflow = forced ?? random.pick(project.workflows)
  const pipelineId = stableUuid('demo-pipeline', seed, date, pipelineIndex)
  const workflowId = stableUuid('demo-workflow', seed, date, pipelineIndex)
  const drawn = random.weighted(['success', 'failed', 'canceled', 'blocked', 'running'] as const,
    [80, 8, 9, 2, context.isLastDay ? 6 : 1])
  const outcome = forced ? 'success' : drawn
  const stopAt = outcome === 'success' ? Infinity : random.int(0, workflow.jobs.length - 1)

  const base: Row = {
    ORGANIZATION_ID: org.id,
    ORGANIZATION_NAME: org.name,
    ORGANIZATION_CREATED_DATE: org.createdDate,
    PROJECT_ID: project.id,
    PROJECT_NAME: project.name,
    PROJECT_CREATED_DATE: project.createdDate,
    LAST_BUILD_FINISHED_AT: project.lastBuildFinishedAt,
    VCS_NAME: 'github',
    VCS_URL: `https://github.com/${org.name}/${encodeURIComponent(project.name)}`,
    VCS_BRANCH: branch,
    PIPELINE_ID: pipelineId,
    PIPELINE_CREATED_AT: formatTimestamp(pipelineCreatedMs),
    // Unique per project, as CircleCI numbers pipelines (the health section counts pipelines by it).
    PIPELINE_NUMBER: (dayNumber % 1000) * 1000 + pipelineIndex,
    IS_UNREGISTERED_USER: trigger === 'scheduled_pipeline' || random.chance(0.2),
    PIPELINE_TRIGGER_SOURCE: trigger,
    PIPELINE_TRIGGER_USER_ID: trigger === 'scheduled_pipeline' ? CSV_NULL : stableUuid('demo-user', seed, random.int(1, 12)),
    WORKFLOW_ID: workflowId,
    WORKFLOW_NAME: workflow.name,
  }

  // Each job row as parts merged later by toValues: spreading wide objects is pathologically slow in V8.
  const jobs: Row[][] = []
  let ranAny = false
  let clockMs = pipelineCreatedMs + random.int(20_000, 60_000)
  const workflowFirstQueuedMs = clockMs
  workflow.jobs.forEach((template, index) => {
    const jobId = stableUuid('demo-job', seed, date, pipelineIndex, index)
    const common: Row = {
      JOB_ID: jobId,
      JOB_RUN_DATE: date,
    }
    if (index > stopAt || (index === stopAt && (outcome === 'blocked' || outcome === 'running'))) {
      // Jobs that never ran: the export still lists them, with no job details and no credits.
      jobs.push([common, jobless(), {JOB_RUN_STARTED_AT: formatTimestamp(clockMs),
        JOB_BUILD_STATUS: outcome === 'failed' ? 'blocked' : outcome}])
      return
    }
    const queuedMs = clockMs
    const startedMs = queuedMs + random.int(1_000, 30_000)
    let seconds = Math.max(3, Math.round(template.seconds * (0.7 + 0.6 * random.next())))
    let status = 'success'
    if (index === stopAt && outcome === 'failed') {
      status = 'failed'
      seconds = Math.max(3, Math.round(seconds * (0.2 + 0.8 * random.next())))
    } else if (index === stopAt && outcome === 'canceled') {
      status = 'canceled'
      seconds = Math.max(3, Math.round(seconds * random.next() * 0.6))
    }
    if (random.chance(0.004) && !forced) {
      // A rare job still waiting for capacity when the export was taken: no start time, so the API
      // places it by JOB_RUN_DATE.
      jobs.push([common, jobless(), {JOB_NAME: template.name, JOB_RUN_NUMBER: jobRunNumber(dayNumber, pipelineIndex, index),
        PARALLELISM: template.parallelism ?? 1, JOB_BUILD_STATUS: 'queued', JOB_RUN_STARTED_AT: CSV_NULL}])
      return
    }
    const stoppedMs = startedMs + seconds * 1000
    clockMs = stoppedMs + random.int(500, 5_000)
    ranAny = true
    jobs.push([common, runJob(random, template, seconds, context.weight), {JOB_NAME: template.name,
      JOB_RUN_NUMBER: jobRunNumber(dayNumber, pipelineIndex, index), JOB_BUILD_STATUS: status,
      JOB_RUN_QUEUED_AT: formatTimestamp(queuedMs), JOB_RUN_STARTED_AT: formatTimestamp(startedMs),
      JOB_RUN_STOPPED_AT: formatTimestamp(stoppedMs)}])
  })

  const workflowFields: Row = {
    WORKFLOW_FIRST_JOB_QUEUED_AT: formatTimestamp(workflowFirstQueuedMs),
    WORKFLOW_FIRST_JOB_STARTED_AT: ranAny ? formatTimestamp(workflowFirstQueuedMs + 1_000) : CSV_NULL,
    WORKFLOW_STOPPED_AT: outcome === 'running' ? CSV_NULL : formatTimestamp(clockMs),
    IS_WORKFLOW_SUCCESSFUL: outcome === 'success',
  }
  return jobs.map((jobParts) => toValues(base, workflowFields, ...jobParts))
}

function runJob(random: Random, template: JobTemplate, seconds: number, weight: number): Row {
  const spec = RESOURCE_CLASSES[template.resourceClass]
  const parallelism = (template.parallelism ?? 1) * weight
  const compute = spec.creditsPerMinute * Math.ceil(seconds / 60) * parallelism
  const dlc = template.dockerLayerCaching && random.chance(0.7) ? 200 : 0
  const storage = random.chance(0.6) ? random.int(0, 30) : 0
  const network = random.chance(0.2) ? random.int(1, 5) : 0
  const credits = {COMPUTE_CREDITS: compute, DLC_CREDITS: dlc, USER_CREDITS: 0, STORAGE_CREDITS: storage,
    NETWORK_CREDITS: network, LEASE_CREDITS: 0, LEASE_OVERAGE_CREDITS: 0, IPRANGES_CREDITS: 0}
  const total = Object.values(credits).reduce((sum, c) => sum + c, 0)
  return {
    RESOURCE_CLASS: template.resourceClass,
    OPERATING_SYSTEM: spec.os,
    EXECUTOR: template.executor ?? spec.executor,
    PARALLELISM: parallelism,
    JOB_RUN_SECONDS: seconds,
    ...utilisation(random, template.provisioning ?? 'normal', seconds < 15 || spec.executor === 'runner'),
    ...credits,
    TOTAL_CREDITS: total,
  }
}

/** CircleCI reports no utilisation for very short jobs and for self-hosted runners. */
function utilisation(random: Random, provisioning: Provisioning, unknown: boolean): Row {
  if (unknown) {
    return {MEDIAN_CPU_UTILIZATION_PCT: CSV_NULL, MAX_CPU_UTILIZATION_PCT: CSV_NULL,
      MEDIAN_RAM_UTILIZATION_PCT: CSV_NULL, MAX_RAM_UTILIZATION_PCT: CSV_NULL}
  }
  const [cpuLow, cpuHigh, ramLow, ramHigh] =
    provisioning === 'over' ? [4, 14, 5, 15] : provisioning === 'under' ? [86, 99, 70, 92] : [30, 65, 20, 60]
  const medianCpu = random.int(cpuLow, cpuHigh)
  const medianRam = random.int(ramLow, ramHigh)
  // Over-provisioned jobs also peak low (max at most ~30 %), so that even on a class half the size they stay
  // under the rightsizing spike threshold: the demo then shows real downsizing findings.
  const over = provisioning === 'over'
  return {
    MEDIAN_CPU_UTILIZATION_PCT: medianCpu,
    MAX_CPU_UTILIZATION_PCT: Math.min(100, medianCpu + (over ? random.int(3, 16) : random.int(15, 35))),
    MEDIAN_RAM_UTILIZATION_PCT: medianRam,
    MAX_RAM_UTILIZATION_PCT: Math.min(100, medianRam + (over ? random.int(2, 14) : random.int(3, 25))),
  }
}

function jobless(): Row {
  const row: Row = {}
  for (const column of ['JOB_NAME', 'JOB_RUN_NUMBER', 'JOB_RUN_QUEUED_AT', 'JOB_RUN_STOPPED_AT', 'RESOURCE_CLASS',
    'OPERATING_SYSTEM', 'EXECUTOR', 'PARALLELISM', 'JOB_RUN_SECONDS', 'MEDIAN_CPU_UTILIZATION_PCT',
    'MAX_CPU_UTILIZATION_PCT', 'MEDIAN_RAM_UTILIZATION_PCT', 'MAX_RAM_UTILIZATION_PCT'] as const) row[column] = CSV_NULL
  for (const column of ['COMPUTE_CREDITS', 'DLC_CREDITS', 'USER_CREDITS', 'STORAGE_CREDITS', 'NETWORK_CREDITS',
    'LEASE_CREDITS', 'LEASE_OVERAGE_CREDITS', 'IPRANGES_CREDITS', 'TOTAL_CREDITS'] as const) row[column] = 0
  return row
}

function pickBranch(random: Random): string {
  const kind = random.weighted(['main', 'feature', 'dependabot', 'release'], [45, 30, 15, 10])
  if (kind === 'main') return 'main'
  if (kind === 'feature') return `feature/${random.pick(FEATURES)}`
  if (kind === 'dependabot') return `dependabot/npm_and_yarn/${random.pick(DEPENDENCIES)}`
  return `release/v${random.int(1, 4)}.${random.int(0, 9)}`
}

function jobRunNumber(dayNumber: number, pipelineIndex: number, jobIndex: number): number {
  return (dayNumber % 1000) * 2000 + pipelineIndex * 8 + jobIndex
}

const COLUMN_INDEX = new Map<string, number>(USAGE_COLUMNS.map((column, index) => [column, index]))

/** Merges row parts into the 48 values in column order; later parts win. */
function toValues(...parts: Row[]): string[] {
  const values = new Array<string>(USAGE_COLUMNS.length)
  for (const part of parts) {
    for (const [column, value] of Object.entries(part)) values[COLUMN_INDEX.get(column)!] = String(value)
  }
  for (let i = 0; i < values.length; i++) {
    if (values[i] === undefined) throw new Error(`demo generator left ${USAGE_COLUMNS[i]} unset`)
  }
  return values
}

const STARTED_AT = USAGE_COLUMNS.indexOf('JOB_RUN_STARTED_AT')
const RUN_DATE = USAGE_COLUMNS.indexOf('JOB_RUN_DATE')

function runAtOf(values: string[]): number {
  const started = values[STARTED_AT]
  return started === CSV_NULL ? Date.parse(`${values[RUN_DATE]}T00:00:00Z`) : parseExportTimestamp(started)
}

/** `YYYY-MM-DD HH:MM:SS.sss` (UTC, no zone), the export's timestamp format. */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23).replace('T', ' ')
}

export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

export function parseExportTimestamp(text: string): number {
  return Date.parse(`${text.replace(' ', 'T')}Z`)
}
