/**
 * The summary.json contract (schemaVersion 1). report writes it; charts, the HTML page, Slack and scripts
 * read it. Additive changes keep the version; renaming or removing a field bumps it. Credits are numbers
 * summed exactly (DECIMAL in DuckDB) and rounded only for display. Never holds a token or a URL.
 */
export const SUMMARY_SCHEMA_VERSION = 1 as const

/**
 * Key of the bucket that rolls up everything past --top (and of the rest of the projects in dayByProject). In
 * parentheses, like "(none)", so that it cannot collide with a real project, org or team called "other".
 */
export const OTHER_KEY = '(other)'

export function isRollup(bucket: {key: string}): boolean {
  return bucket.key === OTHER_KEY
}

/** The eight credit columns of the export, TOTAL_CREDITS, and any unknown *_CREDITS columns summed. */
export interface CreditTotals {
  compute: number
  dlc: number
  user: number
  storage: number
  network: number
  lease: number
  leaseOverage: number
  ipranges: number
  /** Sum of *_CREDITS columns the tool does not know (kept, never dropped). */
  other: number
  /** TOTAL_CREDITS as exported. */
  total: number
}

/** Half-open UTC interval: start inclusive, end exclusive, both ISO 8601 (`2024-11-10T00:00:00.000Z`). */
export interface Window {
  start: string
  end: string
  days: number
}

/**
 * One row of a breakdown. `key` is unique within the breakdown and is what tables and charts show; the workflow,
 * job and branch keys join names ("project / workflow / job", "project @ branch"), and entries whose joined names
 * read alike (names holding " / "), or that have a name holding a `"`, quote their names ('"p" / "b / c" / "d"').
 * Read the names from `dims`.
 */
export interface Bucket {
  key: string
  /** The dimension values behind the key, e.g. {org, project, workflow} for a workflow bucket. */
  dims: Record<string, string | null>
  credits: number
  /** credits / total credits of the (filtered) report, 0..1. */
  share: number
  /** Rows with a job (JOB_NAME not null). */
  jobs: number
  /** All rows, job-less included. */
  rows: number
  /**
   * JOB_RUN_SECONDS summed in whole milliseconds (exact in any order, on any number of threads), in minutes rounded
   * half up to two places.
   */
  computeMinutes: number
  failedCredits: number
  failedJobs: number
  /**
   * credits x creditPrice, exact and rounded once to the cent, or null when no price was given. Each bucket is
   * rounded on its own, so a breakdown's dollars can add up to a few cents more or less than totals.dollars; the
   * chargeback file keeps exact decimals, which add up exactly.
   */
  dollars: number | null
  /**
   * Mean run time in minutes (JOB_RUN_SECONDS / 60) over the rows that have one: missing values are not zeros.
   * null when no row has a run time (and in failed-only breakdowns); absent in summaries written before it existed.
   */
  avgJobMinutes?: number | null
  /** On the "(other)" roll-up only: how many entries of the breakdown it adds up (absent in older summaries). */
  members?: number
}

export interface DayBucket {
  /** UTC day, YYYY-MM-DD. */
  day: string
  credits: number
  jobs: number
}

/** Credits per UTC day for the top projects (the rest under the key "other"), for stacked charts. */
export interface DayProjectPoint {
  day: string
  project: string
  credits: number
}

export interface ProjectChange {
  project: string
  current: number
  previous: number
  change: number
  /**
   * Percent change of the previous figure's size, to six decimals (not rounded for display: the media print one),
   * null when previous is 0. Summaries written before it had two decimals.
   */
  pct: number | null
}

export interface Comparison {
  previousWindow: Window
  previous: {credits: number; jobs: number; failedCredits: number; rows: number}
  /** `pct` as ProjectChange's. */
  change: {credits: number; pct: number | null; jobs: number; failedCredits: number}
  /** Every project present in either window, largest absolute change first. */
  projects: ProjectChange[]
  appeared: string[]
  vanished: string[]
  /** Up to 5 projects with the largest absolute change. */
  movers: ProjectChange[]
  /** Credits per UTC day of the previous window, for the comparison line in charts. */
  previousByDay: DayBucket[]
  /** True when the input held no rows at all for the previous window. */
  previousEmpty: boolean
}

export interface RightsizingCandidate {
  org: string | null
  project: string
  workflow: string | null
  job: string
  resourceClass: string
  executor: string | null
  direction: 'down' | 'up'
  suggestedClass: string
  runs: number
  runsWithUtilisation: number
  medianCpuPct: number
  medianRamPct: number
  p95MaxCpuPct: number
  p95MaxRamPct: number
  /** Share of runs (0..1) where max CPU or max RAM reached the spike threshold. */
  spikeShare: number
  credits: number
  creditsPerWeek: number
  currentRate: number | null
  suggestedRate: number | null
  /** Positive = saved per week; negative = extra cost of an upsize; null when a class is not in the rate table. */
  estimatedSavingsPerWeek: number | null
  /** The concrete change, e.g. "resource_class: medium in job build of project api". */
  change: string
}

export interface FailingJob {
  project: string
  workflow: string | null
  job: string
  runs: number
  failures: number
  failureRate: number
  failedCredits: number
  /**
   * ORGANIZATION_NAME, else ORGANIZATION_ID (as in the breakdowns): two organizations of one plan can have a job
   * of the same project, workflow and name, which are two entries. Absent in summaries written before it existed.
   */
  org?: string | null
}

export interface SavingsOpportunity {
  /**
   * Always 'rightsizing' since savings became rightsizing only (the tool's version stayed 0.1.0): failed-run spend
   * is not a saving (fixing a job does not make its runs free); it is reported as spend in `waste`. 'failed-jobs'
   * stays in the type for summaries written before.
   */
  kind: 'rightsizing' | 'failed-jobs'
  title: string
  creditsPerWeek: number
  evidence: string
  change: string
  /**
   * The workflows whose runs the saving adds up (a job's class is set once for all of them, so it is one change);
   * a null is a run without WORKFLOW_NAME. Absent in summaries written before it existed.
   */
  workflows?: Array<string | null>
}

export interface Savings {
  thresholds: {
    minRuns: number
    lowUtilisationPct: number
    spikePct: number
    maxSpikeShare: number
    highUtilisationPct: number
  }
  rateTable: {source: string; date: string}
  rightsizing: RightsizingCandidate[]
  underProvisioned: RightsizingCandidate[]
  /** Jobs with failed runs and what those runs cost: spend, not a saving (kept for scripts; see `waste`). */
  failingJobs: FailingJob[]
  /**
   * The three largest rightsizing opportunities, credits per week, with evidence and the concrete change: one per
   * organization x project x job x class change, its saving the exact sum of its workflows' (see `workflows`).
   */
  top: SavingsOpportunity[]
  /**
   * The window every per-week figure here (creditsPerWeek, estimatedSavingsPerWeek, top[].creditsPerWeek) is
   * projected from: credits seen in it x 7 / its days. Absent in summaries written before it existed.
   */
  projectedFrom?: Window
}

export interface Summary {
  schemaVersion: typeof SUMMARY_SCHEMA_VERSION
  generatedAt: string
  tool: {name: 'cci-usage'; version: string}
  /** Input file names (base names only, never full URLs). */
  input: {
    files: string[]
    /**
     * Rows read from the inputs that pass --org/--project/--branch (repeated JOB_IDs dropped), before the window:
     * with --start/--end it can exceed totals.rows, the window's rows.
     */
    rows: number
    /**
     * Rows left out because a later input file holds their JOB_ID too (its row is counted, as `load` keeps the
     * last input's). Written by every report (0 with a single input); absent in older summaries.
     */
    duplicateRowsDropped?: number
    /** Inputs not read: the same file as an earlier input, or the same content (a copy, the .csv of a .csv.gz). */
    skippedFiles?: {file: string; reason: 'same-file' | 'same-content'; sameAs: string}[]
    /** Caveats about the input, one line each (e.g. usage.csv holds an earlier range than the last export tried). */
    warnings?: string[]
  }
  window: Window
  /** `team` is set on a team's own summary (teams/<file>.json): the org's report filtered to that team's projects. */
  filters: {org?: string; project?: string; branch?: string; since?: string; until?: string; team?: string}
  /** USD per credit when --credit-price was given, else null. */
  creditPrice: number | null
  totals: {
    credits: CreditTotals
    dollars: number | null
    rows: number
    jobs: number
    joblessRows: number
    computeMinutes: number
    orgs: number
    projects: number
    averagePerProject: number
  }
  breakdowns: {
    org: Bucket[]
    project: Bucket[]
    workflow: Bucket[]
    job: Bucket[]
    branch: Bucket[]
    resourceClass: Bucket[]
    executor: Bucket[]
    day: DayBucket[]
    /** null when no --teams file was given. */
    team: Bucket[] | null
  }
  dayByProject: DayProjectPoint[]
  failed: {credits: number; jobs: number; byProject: Bucket[]; byJob: Bucket[]}
  canceled: {credits: number; jobs: number}
  /**
   * Per JOB_BUILD_STATUS ("(none)" for rows without one). `rows` counts every row, job-less ones included, so the
   * statuses add up to totals.rows (the export's rows); absent in summaries written before it existed.
   */
  jobStatuses: {status: string; jobs: number; credits: number; rows?: number}[]
  comparison: Comparison | null
  savings: Savings | null
  /** Names of the chart files written beside summary.json (empty when charts were not rendered). */
  artifacts: string[]
  /**
   * The organizations on the plan, when the run asked CircleCI which organizations share it
   * (--discover-shared-orgs); null when no discovery was made or it failed (the per-organization figures are
   * in breakdowns.org either way). Absent in summaries written before this field existed.
   */
  sharedPlan?: SharedPlan | null
  /**
   * One entry per team of the --teams file (and "unassigned" when it has usage), each with its own Summary in a
   * file beside this one; null without a teams file. Absent in summaries written before this field existed.
   */
  teams?: TeamEntry[] | null
  /**
   * Job and workflow health, triggers, default branch, cost per pipeline and flaky tests (see Health). Null when
   * health was turned off (CCI_USAGE_HEALTH=0); absent in summaries written before it existed.
   */
  health?: Health | null
  /** Spend on reruns, failed runs and canceled runs (see Waste). Null/absent like `health`. */
  waste?: Waste | null
  /**
   * The fields below come from a history (--history DIR; README "History") and are null without one. They are
   * optional only so that a summary.json written before them still reads; `report` always writes them. All are
   * as of the report window's last day, and follow --org/--project/--branch, except budgets (always the whole
   * spend of their scope).
   */
  /** Credits of the last --trend-weeks ISO weeks. */
  trend?: Trend | null
  /** Where the calendar month (UTC) holding the report's last day will land. */
  forecast?: Forecast | null
  /** One entry per budget of --budgets FILE, in the file's order; null without --budgets. */
  budgets?: BudgetStatus[] | null
  /** Days of the report window on which an org, team or project spent far above its baseline, largest excess first. */
  anomalies?: Anomaly[] | null
}

export interface SharedPlanOrg {
  id: string
  /** As the shares-for endpoint named it, else ORGANIZATION_NAME from the data, else null. */
  name: string | null
  /** As the shares-for endpoint gave it (github, bitbucket, circleci); null for the primary org when not listed. */
  vcsType: string | null
  /** TOTAL_CREDITS of the report's rows of this organization (matched by ORGANIZATION_ID); 0 without usage. */
  credits: number
  /** The organization the export was made for; the others share its plan. */
  primary: boolean
}

export interface SharedPlan {
  primaryOrgId: string
  /** The primary organization first, then every organization the endpoint listed, in its order. */
  orgs: SharedPlanOrg[]
}

/** A team's report, written beside summary.json. Paths are relative to summary.json's folder, with `/`. */
export interface TeamEntry {
  team: string
  /** The team's Slack channel from the teams file, or null: its message goes there with --notify. */
  slackChannel: string | null
  credits: number
  /** Rounded to the cent on its own, like a bucket's: the teams' dollars can differ from totals.dollars by a few cents. */
  dollars: number | null
  /** teams/<file>.json: the team's Summary (same schema, `filters.team` set, only its projects). */
  summary: string
  /** teams/<file>.html, null when no HTML was rendered. */
  page: string | null
  /** teams/<file>.png (its credits-by-project chart, for its Slack message), null when not rendered. */
  chart: string | null
}

/**
 * Percentiles everywhere in `health` (p50, p95, medians) are DuckDB's quantile_cont: linear interpolation
 * between the two nearest values (the "R-7" definition, numpy's default): for n sorted values x[0..n-1] the
 * q-quantile is x[floor(h)] + (h - floor(h)) x (x[floor(h)+1] - x[floor(h)]) with h = (n - 1) q. A figure with
 * no values to take it over is null, never 0.
 */
export const HEALTH_PERCENTILE = 'quantile_cont (linear interpolation, R-7)' as const

/** Job statuses that never started: rows of the export, but not runs (savings and health count runs alike). */
export const NOT_STARTED_STATUSES = ['blocked', 'queued', 'not_run', 'not_running', 'on_hold', 'unauthorized'] as const

/**
 * One job, org x project x workflow x job, over the report's rows (filters and window). Only rows with a
 * JOB_NAME belong to a job.
 */
export interface HealthJob {
  /** ORGANIZATION_NAME, else ORGANIZATION_ID (as in the breakdowns). */
  org: string | null
  project: string
  workflow: string | null
  job: string
  /** Rows of the job that started: any JOB_BUILD_STATUS but NOT_STARTED_STATUSES (the savings rules' runs). */
  runs: number
  /** Runs with status success. */
  successfulRuns: number
  /** Runs with status failed (the measure of summary.failed). */
  failedRuns: number
  /** Runs with status canceled. */
  canceledRuns: number
  /**
   * successfulRuns / (runs - canceledRuns - running runs), 0..1: CircleCI Insights' definition (canceled runs
   * excluded), unfinished runs left out. Null when no run finished other than canceled.
   */
  successRate: number | null
  /** p50 and p95 of JOB_RUN_SECONDS over the runs that have one. */
  durationP50Seconds: number | null
  durationP95Seconds: number | null
  /** p50 and p95 of JOB_RUN_STARTED_AT - JOB_RUN_QUEUED_AT in seconds, over rows with both (and start >= queue). */
  queueP50Seconds: number | null
  queueP95Seconds: number | null
  /** TOTAL_CREDITS of every row of the job (equals the job breakdown's credits). */
  credits: number
  /** credits / successfulRuns: what one green run costs, the failed and canceled ones it took included. */
  creditsPerSuccessfulRun: number | null
  /** Median of MEDIAN_CPU_UTILIZATION_PCT / MEDIAN_RAM_UTILIZATION_PCT over the runs that have it. */
  cpuMedianPct: number | null
  ramMedianPct: number | null
  /** TOTAL_CREDITS of its failed runs, of its canceled runs, and of its rows in rerun attempts (see Waste). */
  failedCredits: number
  canceledCredits: number
  rerunCredits: number
}

/** One workflow, org x project x WORKFLOW_NAME; a run is one WORKFLOW_ID. */
export interface HealthWorkflow {
  org: string | null
  project: string
  workflow: string | null
  /** Distinct WORKFLOW_IDs. */
  runs: number
  /** Runs that stopped (WORKFLOW_STOPPED_AT set) with an IS_WORKFLOW_SUCCESSFUL: an empty one is no outcome. */
  finishedRuns: number
  /** Stopped runs with IS_WORKFLOW_SUCCESSFUL true. */
  successfulRuns: number
  /**
   * Stopped, unsuccessful runs with a canceled job and no failed job: the export has no workflow status, so
   * this is how a canceled workflow is told from a failed one.
   */
  canceledRuns: number
  /** successfulRuns / (finishedRuns - canceledRuns), 0..1; null when that is 0. */
  successRate: number | null
  /** p50/p95 of WORKFLOW_STOPPED_AT - WORKFLOW_FIRST_JOB_QUEUED_AT in seconds, over runs with both. */
  durationP50Seconds: number | null
  durationP95Seconds: number | null
  credits: number
  /** credits / runs. */
  creditsPerRun: number | null
}

/** A breakdown entry of the health section. Shares are of the report's total credits. */
export interface HealthBucket {
  key: string
  /** Rows with a job. */
  jobs: number
  credits: number
  share: number
}

export interface ProjectDefaultBranch {
  org: string | null
  project: string
  /** The branch counted as default, or null when neither --default-branch nor main/master names one. */
  defaultBranch: string | null
  /** 'flag': --default-branch; 'data': main (else master) seen in the data; null: unknown. */
  source: 'flag' | 'data' | null
  /** Credits on the default branch and on the others; both 0 when the default is unknown (then see credits). */
  defaultCredits: number
  otherCredits: number
  /** Every credit of the project in the report: the projects' credits add up to the total, whatever their default. */
  credits: number
}

export interface HealthBranches {
  /** Rows on each project's default branch, on other branches, and of projects whose default is unknown. */
  default: HealthBucket
  other: HealthBucket
  unknown: HealthBucket
  /** Every project, most credits first. */
  projects: ProjectDefaultBranch[]
}

export interface FlakyTestProject {
  org: string | null
  project: string
  /** The Insights project slug asked: gh/<org>/<repo>, bb/<org>/<repo> or circleci/<org-id>/<project-id>. */
  slug: string
  /** The project's credits in the report: projects are asked most credits first, at most 20. */
  credits: number
  status: 'ok' | 'not-found' | 'forbidden' | 'failed' | 'skipped'
  /**
   * Why it is not 'ok', or, when 'ok', what its list left out (null when nothing): one line naming the project
   * (never a token or URL).
   */
  message: string | null
  /** total_flaky_tests as Insights reports it; null unless ok. */
  totalFlakyTests: number | null
}

/**
 * One flaky test from CircleCI Insights, priced: credits = timesFlaked x creditsPerRun, where creditsPerRun is
 * the mean TOTAL_CREDITS of a failed run of its job (project x workflow x job) in the report window, or of any
 * run of that job when none failed in the window ('all-runs'). A flake costs one run that had to be repeated.
 * timesFlaked covers Insights' own recent window, not necessarily the report's.
 */
export interface FlakyTest {
  org: string | null
  project: string
  testName: string
  classname: string | null
  jobName: string
  workflowName: string | null
  timesFlaked: number
  /**
   * Null when no single job of the report's rows with runs matches (absent, or in two workflows when Insights names
   * none): then the test is not priced.
   */
  creditsPerRun: number | null
  pricedFrom: 'failed-runs' | 'all-runs' | null
  credits: number | null
}

export interface FlakyTests {
  source: 'circleci-insights'
  projects: FlakyTestProject[]
  /** Every flaky test of the projects asked, most credits first (unpriced last, by times flaked). */
  tests: FlakyTest[]
}

export interface Health {
  /** The percentile definition used by every p50/p95/median here (see HEALTH_PERCENTILE). */
  percentile: typeof HEALTH_PERCENTILE
  /** Every job, most credits first. */
  jobs: HealthJob[]
  /** Every workflow, most credits first. */
  workflows: HealthWorkflow[]
  /** By PIPELINE_TRIGGER_SOURCE as exported (webhook, scheduled_pipeline, schedule, api, ...; "(none)"), most credits first. */
  triggerSources: HealthBucket[]
  branches: HealthBranches
  /**
   * Credits per pipeline (project x PIPELINE_NUMBER): what one commit costs. Pipelines are built from workflow runs,
   * so rows without a PIPELINE_NUMBER or a WORKFLOW_ID are left out (the exports seen have a WORKFLOW_ID on every row).
   */
  pipelines: {count: number; creditsP50: number | null; creditsP95: number | null; creditsMean: number | null}
  /** Null unless --flaky-tests (on by default with --demo). */
  flakyTests: FlakyTests | null
}

/** A spend figure of `waste`, with the jobs that cost most. */
export interface WasteFigure {
  credits: number
  /** Job rows it covers. */
  jobs: number
  /** The jobs with the most of this spend (up to --top), most first. */
  topJobs: {org: string | null; project: string; workflow: string | null; job: string; credits: number; jobs: number}[]
}

/**
 * Credits spent on work that was thrown away. These are spend, not savings: a fix does not make the work free,
 * it avoids repeating it. The three overlap (a failed job in a rerun attempt counts in reruns and failed);
 * `total` counts each row once.
 */
export interface Waste {
  /**
   * A workflow run again within the same pipeline (same pipeline and WORKFLOW_NAME, a new WORKFLOW_ID): the rows
   * of every attempt but the last whose job runs again in a later attempt (a "rerun from failed" repeats only
   * the failed jobs and what follows them; the jobs it kept are not rerun spend; a row without a job counts),
   * attempts ordered by WORKFLOW_FIRST_JOB_QUEUED_AT (else the first job's queue or start time; unknown first,
   * then a hash of WORKFLOW_ID). `attempts` counts those earlier attempts.
   */
  reruns: WasteFigure & {attempts: number}
  /** Rows with JOB_BUILD_STATUS failed (the same credits as summary.failed). */
  failed: WasteFigure
  /** Rows with JOB_BUILD_STATUS canceled (the same credits as summary.canceled). */
  canceled: WasteFigure
  /** Credits of rows in any of the three, each row once. */
  total: number
}

/** One ISO week: Monday 00:00 UTC to the next Monday. */
export interface TrendWeek {
  /** Monday, YYYY-MM-DD. */
  start: string
  /** The next Monday, YYYY-MM-DD (exclusive). */
  end: string
  /** Exact sum of TOTAL_CREDITS of the days of the week the history holds: an export of a complete week gives the same. */
  credits: number
  jobs: number
  /** Credits of jobs with status failed. */
  failedCredits: number
  /** The week has ended (by the report's last day) and the history holds all seven days; the current week is last, false. */
  complete: boolean
}

export interface TrendSplitPoint {
  /** The week's Monday. */
  week: string
  /** A project (or a team with --teams); "(other)" holds the rest, so a week's points add up to its credits. */
  key: string
  credits: number
}

export interface Trend {
  /** Oldest first; the week holding the report's last day is last. */
  weeks: TrendWeek[]
  /** Each week split by the top --top projects (or teams), for the credits-by-week chart. */
  split: {by: 'project' | 'team'; points: TrendSplitPoint[]}
}

export interface Forecast {
  /** The calendar month, YYYY-MM (UTC), holding the report's last day. */
  period: string
  /** Exact credits of the month's days up to the report's last day (days the history holds). */
  actualToDate: number
  /** Days of the month up to and including the report's last day. */
  daysElapsed: number
  daysInPeriod: number
  /** actualToDate plus the projection of the other days. */
  projected: number
  /** 80 % interval: low <= projected <= high, low never below actualToDate. */
  low: number
  high: number
  /** The projection method and where the interval comes from (README "History"). */
  method: string
  /**
   * Days of the month up to the report's last day that the history holds as not final yet (usage lands up to 48
   * hours late): an ended month's total can still grow by their late jobs. Absent in summaries written before it.
   */
  daysNotFinal?: number
}

export interface BudgetStatus {
  scope: 'org' | 'team' | 'project'
  /** As written in the budgets file (an exact name or a glob, which budgets everything it matches together). */
  name: string
  /** week: Monday to Sunday UTC; month: the calendar month. The open period is the one holding the report's last day. */
  period: 'week' | 'month'
  limit: number
  unit: 'credits' | 'usd'
  /** Spent in the open period so far, in `unit`. */
  actual: number
  /** Projected for the whole open period, in `unit`. */
  projected: number
  /** projected / limit x 100, one decimal, below the threshold of the next status up (74.9, never 75.0, when ok). */
  pctOfLimit: number
  /** On the projection: ok below 75 %, warn from 75 %, high from 90 %, over from 100 %. */
  status: 'ok' | 'warn' | 'high' | 'over'
}

export interface Anomaly {
  /** UTC day, YYYY-MM-DD, inside the report window. */
  day: string
  scope: 'org' | 'team' | 'project'
  name: string
  credits: number
  /** Median credits of the scope over the 28 days before. */
  baseline: number
  /** credits / baseline, to six decimals (the media print one; summaries written before it had two). */
  ratio: number
}
