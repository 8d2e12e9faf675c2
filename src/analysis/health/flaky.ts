import {isSlugSegment, type FlakyTestFetch, type FlakyTestPage, type FlakyTestRecord} from '../../api/flaky-tests.js'
import {CciUsageError} from '../../core/errors.js'
import {divideRounded} from '../../core/exact-money.js'
import {terminalSafe} from '../../core/terminal-safe.js'
import {creditsToNumber, numberToCredits} from '../build.js'
import type {FlakyTest, FlakyTestProject, FlakyTests, HealthJob} from '../summary.js'
import {compareText} from '../../core/compare-text.js'
import {mostCreditsFirst} from './order.js'
import type {ProjectSource} from './queries.js'

/** Insights is asked about the projects with the most credits only: at most this many requests per report. */
export const MAX_FLAKY_TEST_PROJECTS = 20

/**
 * The Insights project slug of an export row's project: `gh/<org>/<repo>` or `bb/<org>/<repo>` from a
 * github.com or bitbucket.org VCS_URL (OAuth projects), else `circleci/<org-id>/<project-id>` (GitHub App and
 * GitLab projects, whose slugs are ids). A name or id that cannot be one segment of the path (isSlugSegment) is
 * not used. Null when neither can be made.
 */
export function projectSlug(source: Pick<ProjectSource, 'vcsName' | 'vcsUrl' | 'organizationId' | 'projectId'>): string | null {
  const fromUrl = slugFromUrl(source.vcsUrl, source.vcsName)
  if (fromUrl) return fromUrl
  const ids = [source.organizationId, source.projectId]
  if (ids.every((id): id is string => id !== null && isSlugSegment(id))) return `circleci/${ids.join('/')}`
  return null
}

const VCS_HOSTS: Record<string, {prefix: string; names: string[]}> = {
  'github.com': {prefix: 'gh', names: ['github']},
  'bitbucket.org': {prefix: 'bb', names: ['bitbucket']},
}

/** `git@github.com:org/repo.git` (scp-like, what `git clone` over SSH takes) as `ssh://git@github.com/org/repo.git`. */
const SCP_LIKE = /^((?:[^@/:]+@)?[^@/:]+):(?!\/)(.+)$/

function slugFromUrl(url: string | null, vcsName: string | null): string | null {
  if (!url) return null
  const scp = SCP_LIKE.exec(url)
  const href = scp ? `ssh://${scp[1]}/${scp[2]}` : url
  if (!URL.canParse(href)) return null
  const parsed = new URL(href)
  const host = VCS_HOSTS[parsed.hostname.toLowerCase()]
  // VCS_NAME other than the OAuth integration's (e.g. a GitHub App project) means the slug is id-based.
  if (!host || (vcsName !== null && !host.names.includes(vcsName.toLowerCase()))) return null
  const segments = parsed.pathname.split('/').filter((segment) => segment !== '')
  if (segments.length !== 2) return null
  try {
    const [org, repo] = segments.map((segment) => decodeURIComponent(segment).replace(/\.git$/, ''))
    // None of these is a GitHub or Bitbucket name (see isSlugSegment): such a URL falls back to the id-based slug.
    return isSlugSegment(org) && isSlugSegment(repo) ? `${host.prefix}/${org}/${repo}` : null
  } catch {
    return null
  }
}

/**
 * Prices one flaky test by the job runs it wasted: timesFlaked x the mean TOTAL_CREDITS of a failed run of its
 * job in the report window (a flake costs one run that had to be repeated), or of any run of that job when none
 * failed in the window. Jobs are matched on project, workflow and job name; a test whose workflow Insights does
 * not name matches the project's job of that name when there is exactly one.
 */
export function priceFlakyTest(project: Pick<FlakyTestProject, 'org' | 'project'>, record: FlakyTestRecord, jobs: readonly HealthJob[]): FlakyTest {
  const candidates = jobs.filter(
    (job) => job.org === project.org && job.project === project.project && job.job === record.jobName && (record.workflowName === null || job.workflow === record.workflowName),
  )
  const job = candidates.length === 1 ? candidates[0] : undefined
  const base = {
    org: project.org,
    project: project.project,
    testName: record.testName,
    classname: record.classname,
    jobName: record.jobName,
    workflowName: record.workflowName,
    timesFlaked: record.timesFlaked,
  }
  if (!job) return {...base, creditsPerRun: null, pricedFrom: null, credits: null}
  const [credits, runs, pricedFrom] =
    job.failedRuns > 0 ? [job.failedCredits, job.failedRuns, 'failed-runs' as const] : [job.credits, job.runs, 'all-runs' as const]
  if (runs === 0) return {...base, creditsPerRun: null, pricedFrom: null, credits: null}
  const perRunMicro = divideRounded(numberToCredits(credits), BigInt(runs))
  return {...base, creditsPerRun: creditsToNumber(perRunMicro), pricedFrom, credits: creditsToNumber(perRunMicro * BigInt(record.timesFlaked))}
}

/** Most credits first; unpriced tests after the priced ones, most flakes first; then by project, organization and names. */
export function byFlakyCost(a: FlakyTest, b: FlakyTest): number {
  const credit = (test: FlakyTest) => test.credits ?? -1
  return (
    credit(b) - credit(a) ||
    b.timesFlaked - a.timesFlaked ||
    compareText(a.project, b.project) ||
    compareText(a.org, b.org) ||
    compareText(a.testName, b.testName) ||
    compareText(a.classname, b.classname) ||
    compareText(a.jobName, b.jobName) ||
    compareText(a.workflowName, b.workflowName)
  )
}

/** A project to ask Insights about; slug null when the export does not say enough to make one. */
export interface FlakyTestTarget extends Pick<FlakyTestProject, 'org' | 'project' | 'credits'> {
  slug: string | null
}

/** The projects to ask about: the ones with most credits (ties by project, then organization), at most MAX_FLAKY_TEST_PROJECTS, each with its slug. */
export function flakyTestTargets(sources: readonly ProjectSource[], max = MAX_FLAKY_TEST_PROJECTS): FlakyTestTarget[] {
  return [...sources]
    // DuckDB returns the projects in no set order: two projects of one name in two organizations, or of equal credits
    // at the 20th place, must come out alike on every run.
    .sort((a, b) => mostCreditsFirst(a.credits, b.credits) || compareText(a.project, b.project) || compareText(a.org, b.org))
    .slice(0, max)
    .map((source) => ({org: source.org, project: source.project ?? '(none)', slug: projectSlug(source), credits: creditsToNumber(source.credits)}))
}

/** After this many projects in a row failed (not a 403/404), Insights is taken to be down and the rest are not asked. */
export const MAX_FAILURES_IN_A_ROW = 3

/**
 * Asks Insights about each project in turn (the fetch paces itself) and prices what it lists. One project's
 * 403 or 404 (Insights has no data for it, or the token cannot see it) or failure after retries is a warning
 * naming it; a 401 means the token is refused for all of them, and MAX_FAILURES_IN_A_ROW failures that Insights
 * is down: the rest are then not asked.
 */
export async function collectFlakyTests(
  targets: readonly FlakyTestTarget[],
  fetch: FlakyTestFetch,
  jobs: readonly HealthJob[],
  warn: (line: string) => void,
): Promise<FlakyTests> {
  const projects: FlakyTestProject[] = []
  const tests: FlakyTest[] = []
  let refused = false
  let failuresInARow = 0
  for (const target of targets) {
    const entry = (status: FlakyTestProject['status'], message: string | null, total: number | null): FlakyTestProject => ({
      org: target.org,
      project: target.project,
      slug: target.slug ?? '',
      credits: target.credits,
      status,
      message,
      totalFlakyTests: total,
    })
    if (target.slug === null) {
      // A project name from a quoted CSV may hold a line break: in a warning it would start a line of its own on
      // stderr (which keeps a message's line breaks), where it could read as "Error: ...".
      const message = `no flaky tests for project ${terminalSafe(target.project)}: the export has neither a GitHub/Bitbucket URL nor organization and project ids that make an Insights slug for it.`
      warn(message)
      projects.push(entry('skipped', message, null))
      continue
    }
    if (refused || failuresInARow >= MAX_FAILURES_IN_A_ROW) {
      const why = refused ? 'CircleCI refused the token for Insights (HTTP 401)' : `Insights failed for ${MAX_FAILURES_IN_A_ROW} projects in a row`
      projects.push(entry('skipped', `not asked: ${why}.`, null))
      continue
    }
    try {
      const page = await fetch(target.slug)
      failuresInARow = 0
      const partial = page.unreadable > 0 || page.total > page.tests.length ? leftOut(target, page) : null
      if (partial) warn(partial)
      projects.push(entry('ok', partial, page.total))
      // One by one: a list of some hundred thousand tests spread into push() overflows the call stack.
      for (const record of page.tests) tests.push(priceFlakyTest(target, record, jobs))
    } catch (error) {
      const status = error instanceof CciUsageError ? Number(error.details?.status) : Number.NaN
      const [kind, reason] =
        status === 404
          ? (['not-found', 'Insights has no such project (HTTP 404; Test Insights needs a GitHub or Bitbucket OAuth project with test results)'] as const)
          : status === 403
            ? (['forbidden', 'the token may not read its Insights (HTTP 403)'] as const)
            : status === 401
              ? (['failed', 'CircleCI refused the token (HTTP 401): check --token/CIRCLECI_API_TOKEN; no other project is asked'] as const)
              : (['failed', error instanceof Error ? error.message : String(error)] as const)
      if (status === 401) refused = true
      failuresInARow = kind === 'failed' ? failuresInARow + 1 : 0
      const message = `no flaky tests for project ${terminalSafe(target.project)} (${target.slug}): ${reason}`
      warn(message)
      projects.push(entry(kind, message, null))
    }
  }
  return {source: 'circleci-insights', projects, tests: tests.sort(byFlakyCost)}
}

/**
 * What a project's answer left out, so that a list shorter than Insights' count is not taken for the whole: entries
 * without a test or job name or with a count that is not a whole number, and tests counted but not listed.
 */
function leftOut(target: FlakyTestTarget, page: FlakyTestPage): string {
  const unreadable = page.unreadable > 0 ? ` (${page.unreadable} listed without a test name, a job name or a whole number of flakes)` : ''
  return `only ${page.tests.length} of the ${Math.max(page.total, page.tests.length + page.unreadable)} flaky tests Insights counts for project ${terminalSafe(target.project)} (${target.slug}) can be shown and priced${unreadable}; the others are left out.`
}

/** The flaky tests (and projects asked) of some projects only: a team's share of the org's list, in its order. */
export function flakyTestsOfProjects(flaky: FlakyTests, projects: ReadonlySet<string | null>): FlakyTests {
  return {
    source: flaky.source,
    projects: flaky.projects.filter((project) => projects.has(project.project)),
    tests: flaky.tests.filter((test) => projects.has(test.project)),
  }
}
