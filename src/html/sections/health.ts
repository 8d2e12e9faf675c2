import type {FlakyTest, FlakyTestProject, Health, HealthBucket, HealthJob, HealthWorkflow, ProjectDefaultBranch, Summary, Waste, WasteFigure} from '../../analysis/summary.js'
import {escapeXml as esc} from '../../charts/escape.js'
import {formatCredits, formatShare} from '../../charts/format.js'
import {formatRate, formatSeconds} from '../../core/format-duration.js'
import {dollarsOfCredits, limited, noneInWindow, section} from '../layout.js'
import {type Column, orgColumn, renderTable} from '../table.js'

/**
 * The "Health" section of report.html: jobs and workflows (runs, success rate, durations, queue times, cost per
 * run), waste as spend (reruns, failed, canceled), triggers, default branch, credits per pipeline and priced
 * flaky tests. Every name from the data goes through renderTable or esc.
 */
export const HEALTH_SECTION_ID = 'health'

const credits = (value: number | null): string => (value === null ? '–' : formatCredits(value))
const pct = (value: number | null): string => (value === null ? '–' : `${formatCredits(value)}%`)
const sortable = (value: number | null): number => value ?? Number.NEGATIVE_INFINITY

function costColumn<T>(summary: Summary, heading: string, value: (row: T) => number | null): Column<T>[] {
  const price = summary.creditPrice
  if (price === null) return []
  return [{heading, numeric: true, text: (row) => (value(row) === null ? '–' : dollarsOfCredits(value(row) ?? 0, price)), sort: (row) => sortable(value(row))}]
}

function jobsTable(summary: Summary, jobs: HealthJob[]): string {
  if (jobs.length === 0) return '<p class="empty">No job ran in this window.</p>'
  const columns: Column<HealthJob>[] = [
    ...orgColumn<HealthJob>(summary.totals.orgs),
    {heading: 'Project', text: (j) => j.project},
    {heading: 'Workflow', text: (j) => j.workflow ?? '–'},
    {heading: 'Job', text: (j) => j.job},
    {heading: 'Runs', numeric: true, text: (j) => formatCredits(j.runs), sort: (j) => j.runs},
    {heading: 'Success rate', numeric: true, text: (j) => formatRate(j.successRate), sort: (j) => sortable(j.successRate)},
    {heading: 'Failed runs', numeric: true, text: (j) => formatCredits(j.failedRuns), sort: (j) => j.failedRuns},
    {heading: 'Duration p50 / p95', numeric: true, text: (j) => `${formatSeconds(j.durationP50Seconds)} / ${formatSeconds(j.durationP95Seconds)}`, sort: (j) => sortable(j.durationP95Seconds)},
    {heading: 'Queue p50 / p95', numeric: true, text: (j) => `${formatSeconds(j.queueP50Seconds)} / ${formatSeconds(j.queueP95Seconds)}`, sort: (j) => sortable(j.queueP95Seconds)},
    {heading: 'Credits', numeric: true, text: (j) => formatCredits(j.credits), sort: (j) => j.credits},
    {heading: 'Credits per successful run', numeric: true, text: (j) => credits(j.creditsPerSuccessfulRun), sort: (j) => sortable(j.creditsPerSuccessfulRun)},
    ...costColumn<HealthJob>(summary, 'Cost', (j) => j.credits),
    {heading: 'CPU / RAM median', numeric: true, text: (j) => `${pct(j.cpuMedianPct)} / ${pct(j.ramMedianPct)}`, sort: (j) => sortable(j.cpuMedianPct)},
  ]
  const {rows, note} = limited(jobs, 'jobs', 'by-job.csv')
  return renderTable(columns, rows, 'Jobs by credits: runs, success, durations and queue times') + note
}

function workflowsTable(summary: Summary, workflows: HealthWorkflow[]): string {
  if (workflows.length === 0) return ''
  const columns: Column<HealthWorkflow>[] = [
    ...orgColumn<HealthWorkflow>(summary.totals.orgs),
    {heading: 'Project', text: (w) => w.project},
    {heading: 'Workflow', text: (w) => w.workflow ?? '–'},
    {heading: 'Runs', numeric: true, text: (w) => formatCredits(w.runs), sort: (w) => w.runs},
    {heading: 'Success rate', numeric: true, text: (w) => formatRate(w.successRate), sort: (w) => sortable(w.successRate)},
    {heading: 'Duration p50 / p95', numeric: true, text: (w) => `${formatSeconds(w.durationP50Seconds)} / ${formatSeconds(w.durationP95Seconds)}`, sort: (w) => sortable(w.durationP95Seconds)},
    {heading: 'Credits', numeric: true, text: (w) => formatCredits(w.credits), sort: (w) => w.credits},
    {heading: 'Credits per run', numeric: true, text: (w) => credits(w.creditsPerRun), sort: (w) => sortable(w.creditsPerRun)},
  ]
  const {rows, note} = limited(workflows, 'workflows')
  return renderTable(columns, rows, 'Workflows by credits: duration from the first job queued to the stop') + note
}

function wastePart(summary: Summary, waste: Waste): string {
  const figures: [string, WasteFigure & {attempts?: number}][] = [
    ['Reruns (jobs run again in a later attempt)', waste.reruns],
    ['Failed runs', waste.failed],
    ['Canceled runs', waste.canceled],
  ]
  const parts = [
    '<h3>Waste: spend, not savings</h3>',
    `<p>Credits spent on work that was thrown away: <strong>${esc(formatCredits(waste.total))}</strong> credits in all (each row counted once; the figures below overlap, e.g. a failed job in a rerun attempt). Fixing the cause avoids repeating the work; it does not make past runs free.</p>`,
    renderTable(
      [
        {heading: 'Spend on', text: ([label]) => label},
        {heading: 'Credits', numeric: true, text: ([, figure]) => formatCredits(figure.credits), sort: ([, figure]) => figure.credits},
        ...costColumn<[string, WasteFigure]>(summary, 'Cost', ([, figure]) => figure.credits),
        {heading: 'Job runs', numeric: true, text: ([, figure]) => formatCredits(figure.jobs), sort: ([, figure]) => figure.jobs},
        {heading: 'Rerun attempts', numeric: true, text: ([, figure]) => (figure.attempts === undefined ? '–' : formatCredits(figure.attempts)), sort: ([, figure]) => figure.attempts ?? 0},
      ],
      figures,
      'Spend on reruns, failed and canceled runs',
    ),
  ]
  type Row = WasteFigure['topJobs'][number] & {kind: string}
  const rows: Row[] = figures.flatMap(([label, figure]) => figure.topJobs.map((job) => ({...job, kind: label})))
  if (rows.length > 0) {
    parts.push(
      renderTable<Row>(
        [
          {heading: 'Spend on', text: (r) => r.kind},
          ...orgColumn<Row>(summary.totals.orgs),
          {heading: 'Project', text: (r) => r.project},
          {heading: 'Workflow', text: (r) => r.workflow ?? '–'},
          {heading: 'Job', text: (r) => r.job},
          {heading: 'Credits', numeric: true, text: (r) => formatCredits(r.credits), sort: (r) => r.credits},
          {heading: 'Job runs', numeric: true, text: (r) => formatCredits(r.jobs), sort: (r) => r.jobs},
        ],
        rows,
        'The jobs that cost most in each kind of waste',
      ),
    )
  }
  return parts.join('\n')
}

function bucketTable(buckets: HealthBucket[], keyHeading: string, caption: string): string {
  return renderTable<HealthBucket>(
    [
      {heading: keyHeading, text: (b) => b.key},
      {heading: 'Job runs', numeric: true, text: (b) => formatCredits(b.jobs), sort: (b) => b.jobs},
      {heading: 'Credits', numeric: true, text: (b) => formatCredits(b.credits), sort: (b) => b.credits},
      {heading: 'Share', numeric: true, text: (b) => formatShare(b.share), sort: (b) => b.share},
    ],
    buckets,
    caption,
  )
}

function branchPart(summary: Summary, health: Health): string {
  const {branches} = health
  const kinds = [
    {...branches.default, key: 'Default branch'},
    {...branches.other, key: 'Other branches'},
    ...(branches.unknown.jobs > 0 || branches.unknown.credits !== 0 ? [{...branches.unknown, key: 'Default branch unknown'}] : []),
  ]
  const projects = limited(branches.projects, 'projects')
  const perProject = projects.rows.length === 0 ? noneInWindow('project') : renderTable<ProjectDefaultBranch>(
      [
        ...orgColumn<ProjectDefaultBranch>(summary.totals.orgs),
        {heading: 'Project', text: (p) => p.project},
        {heading: 'Default branch', text: (p) => p.defaultBranch ?? 'unknown (no main or master; see --default-branch)'},
        {heading: 'From', text: (p) => (p.source === 'flag' ? '--default-branch' : p.source === 'data' ? 'the data' : '–')},
        {heading: 'Credits', numeric: true, text: (p) => formatCredits(p.credits), sort: (p) => p.credits},
        {heading: 'On default', numeric: true, text: (p) => (p.defaultBranch === null ? '–' : formatCredits(p.defaultCredits)), sort: (p) => p.defaultCredits},
        {heading: 'On other branches', numeric: true, text: (p) => (p.defaultBranch === null ? '–' : formatCredits(p.otherCredits)), sort: (p) => p.otherCredits},
      ],
      projects.rows,
      'Default branch per project',
    ) + projects.note
  return [bucketTable(kinds, 'Branch', "Credits on each project's default branch and on other branches"), perProject].join('\n')
}

function flakyPart(summary: Summary, health: Health): string {
  const flaky = health.flakyTests
  if (!flaky) return ''
  const parts = [
    '<h3>Flaky tests (CircleCI Insights), priced</h3>',
    '<p class="note">Priced by the job runs they wasted: times flaked x the mean credits of a failed run of the job in this window (of any run when none failed). Insights counts flakes over its own recent window.</p>',
  ]
  if (flaky.tests.length === 0) parts.push('<p class="empty">Insights lists no flaky test for the projects asked.</p>')
  else {
    const {rows, note} = limited(flaky.tests, 'flaky tests')
    parts.push(
      renderTable<FlakyTest>(
        [
          {heading: 'Project', text: (t) => t.project},
          {heading: 'Test', text: (t) => t.testName},
          {heading: 'Class', text: (t) => t.classname ?? '–'},
          {heading: 'Job', text: (t) => t.jobName},
          {heading: 'Workflow', text: (t) => t.workflowName ?? '–'},
          {heading: 'Times flaked', numeric: true, text: (t) => formatCredits(t.timesFlaked), sort: (t) => t.timesFlaked},
          {heading: 'Credits per run', numeric: true, text: (t) => credits(t.creditsPerRun), sort: (t) => sortable(t.creditsPerRun)},
          {heading: 'Credits wasted', numeric: true, text: (t) => (t.credits === null ? 'not priced (no single job of that name with runs in this window)' : formatCredits(t.credits)), sort: (t) => sortable(t.credits)},
          ...costColumn<FlakyTest>(summary, 'Cost', (t) => t.credits),
        ],
        rows,
        'Flaky tests by credits wasted',
      ) + note,
    )
  }
  // A partial list ('ok' with a message) is named too: its project's flaky tests and credits above are not whole.
  const troubled = flaky.projects.filter((project) => project.status !== 'ok' || project.message !== null)
  if (troubled.length > 0) {
    parts.push(
      renderTable<FlakyTestProject>(
        [
          {heading: 'Project', text: (p) => p.project},
          {heading: 'Slug', text: (p) => p.slug, code: true},
          {heading: 'Why none or only some', text: (p) => p.message ?? p.status},
        ],
        troubled,
        'Projects Insights gave no flaky tests, or only some, for',
      ),
    )
  }
  return parts.join('\n')
}

export function healthSection(summary: Summary): string {
  const health = summary.health
  if (!health) return ''
  const {pipelines} = health
  const parts = [
    `<p>Per job and workflow over the report window. Percentiles (p50, p95, medians) interpolate linearly between the two nearest values (DuckDB quantile_cont); "–" means the data has no value. Pipelines: ${esc(formatCredits(pipelines.count))}; credits per pipeline p50 <strong>${esc(credits(pipelines.creditsP50))}</strong>, p95 <strong>${esc(credits(pipelines.creditsP95))}</strong>, mean ${esc(credits(pipelines.creditsMean))}: what one commit costs.</p>`,
    summary.waste ? wastePart(summary, summary.waste) : '',
    '<h3>Jobs</h3>',
    jobsTable(summary, health.jobs),
    '<h3>Workflows</h3>',
    workflowsTable(summary, health.workflows),
    '<h3>Triggers and branches</h3>',
    // A header row over no rows read as a table a screen reader had to search (a team with no usage).
    health.triggerSources.length === 0
      ? noneInWindow('pipeline')
      : bucketTable(health.triggerSources, 'Trigger source', 'Credits by pipeline trigger source'),
    branchPart(summary, health),
    flakyPart(summary, health),
  ]
  return section(HEALTH_SECTION_ID, 'Health', parts.filter(Boolean).join('\n'))
}
