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

/** One row of a breakdown. `key` is unique within the breakdown and is what tables and charts show. */
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
  computeMinutes: number
  failedCredits: number
  failedJobs: number
  /** credits x creditPrice, or null when no price was given. */
  dollars: number | null
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
  /** Percent change, null when previous is 0. */
  pct: number | null
}

export interface Comparison {
  previousWindow: Window
  previous: {credits: number; jobs: number; failedCredits: number; rows: number}
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
}

export interface SavingsOpportunity {
  kind: 'rightsizing' | 'failed-jobs'
  title: string
  creditsPerWeek: number
  evidence: string
  change: string
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
  failingJobs: FailingJob[]
  /** The three largest opportunities, credits per week, with evidence and the concrete change. */
  top: SavingsOpportunity[]
}

export interface Summary {
  schemaVersion: typeof SUMMARY_SCHEMA_VERSION
  generatedAt: string
  tool: {name: 'cci-usage'; version: string}
  /** Input file names (base names only, never full URLs). */
  input: {files: string[]; rows: number}
  window: Window
  filters: {org?: string; project?: string; branch?: string; since?: string; until?: string}
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
  jobStatuses: {status: string; jobs: number; credits: number}[]
  comparison: Comparison | null
  savings: Savings | null
  /** Names of the chart files written beside summary.json (empty when charts were not rendered). */
  artifacts: string[]
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
  /** projected / limit x 100. */
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
  /** credits / baseline. */
  ratio: number
}
