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
  input: {
    files: string[]
    rows: number
    /**
     * Rows left out because their JOB_ID was already read from an earlier input file (as `export` drops rows
     * repeated across windows). Written by every report (0 with a single input); absent in older summaries.
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
  dollars: number | null
  /** teams/<file>.json: the team's Summary (same schema, `filters.team` set, only its projects). */
  summary: string
  /** teams/<file>.html, null when no HTML was rendered. */
  page: string | null
  /** teams/<file>.png (its credits-by-project chart, for its Slack message), null when not rendered. */
  chart: string | null
}
