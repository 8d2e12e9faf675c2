/**
 * What the simulator's Insights endpoint (GET /api/v2/insights/{slug}/flaky-tests) answers, in the live API's
 * shape (snake_case). Keyed by the slug's last segment (the repository name of a gh/ or bb/ slug), so the table
 * does not depend on the demo's organization names. A number answers that HTTP status instead.
 */
export interface FlakyTestWire {
  test_name: string
  classname: string
  job_name: string
  workflow_name: string
  times_flaked: number
  job_number: number
  pipeline_number: number
  workflow_id: string
  workflow_created_at: string
  source: string
  file: string
  time_wasted: number
}

export type FlakyTestTable = Record<string, FlakyTestWire[] | 403 | 404>

function flaky(job: string, workflow: string, testName: string, classname: string, timesFlaked: number, index: number): FlakyTestWire {
  return {
    test_name: testName,
    classname,
    job_name: job,
    workflow_name: workflow,
    times_flaked: timesFlaked,
    job_number: 4100 + index,
    pipeline_number: 800 + index,
    workflow_id: `00000000-0000-4000-a000-${String(index).padStart(12, '0')}`,
    workflow_created_at: '2024-11-15T10:00:00Z',
    source: 'junit',
    file: `${classname.replaceAll('.', '/')}.test.ts`,
    time_wasted: timesFlaked * 60,
  }
}

/**
 * The demo's flaky tests: on the busiest projects' real job names (so they are priced), names that need
 * escaping in every medium, a project Insights does not know (404) and one the token may not read (403).
 */
export const DEMO_FLAKY_TESTS: FlakyTestTable = {
  'api-gateway': [
    flaky('unit-tests', 'build-test-deploy', 'GatewayRouter retries an upstream 502', 'gateway.router', 9, 1),
    flaky('integration-tests', 'build-test-deploy', '<script>alert("flaky")</script> renders the status page', 'ui.status_page', 4, 2),
    flaky('e2e-suite', 'nightly', '=HYPERLINK("http://evil.example") *checkout* _pays_ | twice\nsecond line', 'e2e.checkout', 2, 3),
  ],
  'web&api': [flaky('test', 'ci', 'cart total rounds half-even', 'cart.totals', 6, 4)],
  'mobile-ios': [flaky('build-and-test', 'ios-build', 'testLaunchPerformance', 'AppUITests', 3, 5)],
  infra: 404,
  'windows-client': 403,
}

/** The answer for one slug: the table's list (empty when the project has none), or its status. */
export function flakyTestsAnswer(table: FlakyTestTable, slug: string): {status: number; body: unknown} {
  const entry = table[slug] ?? table[slug.split('/').at(-1) ?? '']
  if (entry === 404) return {status: 404, body: {message: 'Project not found'}}
  if (entry === 403) return {status: 403, body: {message: 'Permission denied'}}
  const tests = entry ?? []
  return {status: 200, body: {flaky_tests: tests, total_flaky_tests: tests.length}}
}
