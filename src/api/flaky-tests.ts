/**
 * CircleCI Insights' flaky-test list (GET /api/v2/insights/{project-slug}/flaky-tests), read defensively: the
 * API is the outside world. Its reference spells the fields with hyphens (`test-name`), the live API answers
 * with underscores (`test_name`); both are accepted.
 */
import {ApiError} from '../core/errors.js'
import {UNSAFE_TEXT_CHARACTERS} from '../core/terminal-safe.js'
import type {RateLimit} from './pacer.js'

export interface FlakyTestRecord {
  testName: string
  classname: string | null
  jobName: string
  workflowName: string | null
  timesFlaked: number
}

export interface FlakyTestPage {
  tests: FlakyTestRecord[]
  /** total_flaky_tests as reported (the list's length when absent). */
  total: number
  /** Entries of the list left out of `tests`: no test or job name, or a count that is not a count. */
  unreadable: number
}

/** Reads one project's flaky tests; rejects with a CciUsageError whose details.status is the HTTP status. */
export type FlakyTestFetch = (slug: string) => Promise<FlakyTestPage>

/**
 * One request at a time and at most 2 a second: Insights documents no rate limit for this endpoint, and 20
 * projects then take about 10 s, a polite pace for a weekly job.
 */
export const INSIGHTS_LIMIT: RateLimit = {limit: 1, windowMs: 500}

/**
 * The most a flaky-test answer is read to: about 40,000 tests of the live API's size, far more than a project
 * has. got buffers a JSON body whole, so a larger one (a wrong --host, a broken proxy) would hold gigabytes
 * of memory before it could be refused, and could end the report it is only an extra of.
 */
export const MAX_FLAKY_TESTS_BODY_BYTES = 16 * 1024 * 1024

const NOT_IN_A_SEGMENT = new RegExp(`[/${UNSAFE_TEXT_CHARACTERS}\\u2028\\u2029]`)

/**
 * Whether a name or id can be one segment of an Insights project slug. A `/` would add a segment, and `.` or
 * `..` is resolved away by URL parsing (percent-encoded too), so the request would leave /insights/
 * (`gh/acme/..` asked `/api/v2/insights/gh/flaky-tests`); a control character would reach the warning that
 * names the slug.
 */
export function isSlugSegment(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !NOT_IN_A_SEGMENT.test(name)
}

function field(record: Record<string, unknown>, name: string): unknown {
  return record[name] ?? record[name.replaceAll('_', '-')]
}

function optionalText(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null
}

export function parseFlakyTests(body: unknown): FlakyTestPage {
  const record = (body ?? {}) as Record<string, unknown>
  const list = field(record, 'flaky_tests')
  if (!Array.isArray(list)) {
    throw new ApiError('E_API_BAD_RESPONSE', 'CircleCI Insights answered without a flaky_tests list; retry later or check --host.')
  }
  const tests = list.flatMap((item): FlakyTestRecord[] => {
    const test = (item ?? {}) as Record<string, unknown>
    const testName = optionalText(field(test, 'test_name'))
    const jobName = optionalText(field(test, 'job_name'))
    const timesFlaked = field(test, 'times_flaked')
    // A test without a name or job cannot be shown or priced; a count that is not a count is not trusted.
    if (testName === null || jobName === null || !isCount(timesFlaked)) return []
    return [{testName, classname: optionalText(field(test, 'classname')), jobName, workflowName: optionalText(field(test, 'workflow_name')), timesFlaked}]
  })
  const total = field(record, 'total_flaky_tests')
  return {tests, total: isCount(total) ? total : list.length, unreadable: list.length - tests.length}
}

/** A whole number of at least 0 that a double holds exactly (1e20 would price a test at 1e20 runs, inexactly). */
function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}
