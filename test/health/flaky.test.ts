import {createServer, type IncomingMessage, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'

import {MAX_FLAKY_TESTS_BODY_BYTES, parseFlakyTests} from '../../src/api/flaky-tests.js'
import {flakyTestSession, INSIGHTS_RETRY_POLICY} from '../../src/api/insights.js'
import {collectFlakyTests, flakyTestTargets, MAX_FAILURES_IN_A_ROW, MAX_FLAKY_TEST_PROJECTS, priceFlakyTest, projectSlug} from '../../src/analysis/health/flaky.js'
import type {HealthJob} from '../../src/analysis/summary.js'
import {ApiError, CciUsageError} from '../../src/core/errors.js'
import {startSimulator, type Simulator} from '../../src/simulator/index.js'

describe('projectSlug', () => {
  const ids = {organizationId: 'org-uuid', projectId: 'project-uuid'}
  test.each([
    [{vcsName: 'github', vcsUrl: 'https://github.com/acme/api', ...ids}, 'gh/acme/api'],
    [{vcsName: 'github', vcsUrl: 'https://github.com/acme/web%26api', ...ids}, 'gh/acme/web&api'],
    [{vcsName: 'bitbucket', vcsUrl: 'https://bitbucket.org/acme/api', ...ids}, 'bb/acme/api'],
    [{vcsName: null, vcsUrl: 'https://github.com/acme/api.git', ...ids}, 'gh/acme/api'],
    // GitLab and GitHub App projects have id-based slugs.
    [{vcsName: 'gitlab', vcsUrl: 'https://gitlab.com/acme/api', ...ids}, 'circleci/org-uuid/project-uuid'],
    [{vcsName: 'circleci', vcsUrl: 'https://github.com/acme/api', ...ids}, 'circleci/org-uuid/project-uuid'],
    [{vcsName: 'github', vcsUrl: 'not a url', ...ids}, 'circleci/org-uuid/project-uuid'],
    [{vcsName: 'github', vcsUrl: 'https://github.com/acme', organizationId: null, projectId: null}, null],
    // Decoded, these would split into more segments of the Insights path, or put a line break or an escape
    // sequence into the warning that names the slug.
    [{vcsName: 'github', vcsUrl: 'https://github.com/acme/a%2Fb', ...ids}, 'circleci/org-uuid/project-uuid'],
    [{vcsName: 'github', vcsUrl: 'https://github.com/acme/api%0AError:%20fake', ...ids}, 'circleci/org-uuid/project-uuid'],
    [{vcsName: 'bitbucket', vcsUrl: 'https://bitbucket.org/acme/api%1B%5B31m', ...ids}, 'circleci/org-uuid/project-uuid'],
    // A name that is `.` or `..` once decoded and stripped of `.git` would be resolved away by URL parsing, and
    // the request would leave /insights/; so would such an id, or one with a `/`; a line break in an id would
    // reach the warning.
    [{vcsName: 'github', vcsUrl: 'https://github.com/acme/...git', ...ids}, 'circleci/org-uuid/project-uuid'],
    [{vcsName: 'github', vcsUrl: 'https://github.com/acme/.%2E.git', ...ids}, 'circleci/org-uuid/project-uuid'],
    [{vcsName: 'github', vcsUrl: 'https://github.com/..git/api', ...ids}, 'circleci/org-uuid/project-uuid'],
    [{vcsName: 'gitlab', vcsUrl: 'https://gitlab.com/acme/api', organizationId: '..', projectId: '..'}, null],
    [{vcsName: 'gitlab', vcsUrl: 'https://gitlab.com/acme/api', organizationId: 'org-uuid', projectId: 'x/../../admin'}, null],
    [{vcsName: 'gitlab', vcsUrl: null, organizationId: 'org-uuid', projectId: 'p\nError: fake'}, null],
    // The scp-like form `git clone` takes over SSH names the same repository.
    [{vcsName: 'github', vcsUrl: 'git@github.com:acme/api.git', ...ids}, 'gh/acme/api'],
    [{vcsName: 'bitbucket', vcsUrl: 'git@bitbucket.org:acme/api.git', ...ids}, 'bb/acme/api'],
  ])('case %#', (source, slug) => {
    expect(projectSlug(source)).toBe(slug)
  })
})

describe('parseFlakyTests', () => {
  test('reads the live spelling and the reference spelling; drops what cannot be shown or priced', () => {
    const page = parseFlakyTests({
      flaky_tests: [
        {test_name: 't1', classname: 'c', job_name: 'unit', workflow_name: 'ci', times_flaked: 3},
        {'test-name': 't2', 'job-name': 'unit', 'times-flaked': 1},
        {test_name: '', job_name: 'unit', times_flaked: 1},
        {test_name: 't3', job_name: 'unit', times_flaked: -1},
        {test_name: 't4', job_name: 'unit', times_flaked: '2'},
        null,
      ],
      total_flaky_tests: 6,
    })
    expect(page).toEqual({
      tests: [
        {testName: 't1', classname: 'c', jobName: 'unit', workflowName: 'ci', timesFlaked: 3},
        {testName: 't2', classname: null, jobName: 'unit', workflowName: null, timesFlaked: 1},
      ],
      total: 6,
      unreadable: 4,
    })
    expect(parseFlakyTests({flaky_tests: [], total_flaky_tests: null}).total).toBe(0)
    // A count no double holds exactly is not a count: 1e20 flakes priced a test at 3.02e22 credits, first in Slack.
    expect(parseFlakyTests({flaky_tests: [{test_name: 't', job_name: 'unit', times_flaked: 1e20}]})).toEqual({tests: [], total: 1, unreadable: 1})
    expect(() => parseFlakyTests({message: 'nope'})).toThrow(CciUsageError)
  })
})

const job = (values: Partial<HealthJob>): HealthJob => ({
  org: 'acme', project: 'api', workflow: 'ci', job: 'unit', runs: 10, successfulRuns: 8, failedRuns: 2, canceledRuns: 0, successRate: 0.8,
  durationP50Seconds: 60, durationP95Seconds: 90, queueP50Seconds: 1, queueP95Seconds: 2, credits: 1000, creditsPerSuccessfulRun: 125,
  cpuMedianPct: 30, ramMedianPct: 30, failedCredits: 250, canceledCredits: 0, rerunCredits: 0, ...values,
})
const project = {org: 'acme', project: 'api'}
const record = (values: Partial<Parameters<typeof priceFlakyTest>[1]> = {}) => ({testName: 't', classname: null, jobName: 'unit', workflowName: 'ci', timesFlaked: 3, ...values})

describe('priceFlakyTest', () => {
  test('times flaked x the mean credits of a failed run of its job', () => {
    // 250 credits over 2 failed runs = 125 a run; 3 flakes = 375.
    expect(priceFlakyTest(project, record(), [job({})])).toMatchObject({creditsPerRun: 125, pricedFrom: 'failed-runs', credits: 375})
  })

  test('the mean of any run when the job did not fail in the window; exact to a micro-credit', () => {
    // 1000 credits over 3 runs = 333.333333 a run (rounded once), x 3.
    expect(priceFlakyTest(project, record(), [job({failedRuns: 0, failedCredits: 0, runs: 3})])).toMatchObject({creditsPerRun: 333.333333, pricedFrom: 'all-runs', credits: 999.999999})
  })

  test('not priced when its job is not in the window, or cannot be told apart', () => {
    expect(priceFlakyTest(project, record({jobName: 'gone'}), [job({})])).toMatchObject({creditsPerRun: null, pricedFrom: null, credits: null})
    expect(priceFlakyTest({org: 'other', project: 'api'}, record(), [job({})]).credits).toBeNull()
    // No workflow from Insights: the project's only job of that name is used, two are ambiguous.
    expect(priceFlakyTest(project, record({workflowName: null}), [job({})]).credits).toBe(375)
    expect(priceFlakyTest(project, record({workflowName: null}), [job({}), job({workflow: 'nightly'})]).credits).toBeNull()
  })
})

describe('flakyTestTargets', () => {
  test('ties in credits are ordered by project, then organization, whatever order DuckDB returns them in', () => {
    const source = (org: string) => ({org, project: 'api', vcsName: 'github', vcsUrl: `https://github.com/${org}/api`, organizationId: null, projectId: null, credits: 5_000_000n})
    const expected = ['gh/a/api', 'gh/b/api']
    expect(flakyTestTargets([source('a'), source('b')]).map((target) => target.slug)).toEqual(expected)
    expect(flakyTestTargets([source('b'), source('a')]).map((target) => target.slug)).toEqual(expected)
  })

  test(`the projects with most credits, at most ${MAX_FLAKY_TEST_PROJECTS}`, () => {
    const sources = Array.from({length: 25}, (_, index) => ({
      org: 'acme', project: `p${index}`, vcsName: 'github', vcsUrl: `https://github.com/acme/p${index}`, organizationId: 'o', projectId: `id${index}`, credits: BigInt(index) * 1_000_000n,
    }))
    const targets = flakyTestTargets(sources)
    expect(targets).toHaveLength(20)
    expect(targets[0]).toEqual({org: 'acme', project: 'p24', slug: 'gh/acme/p24', credits: 24})
    expect(targets.at(-1)?.project).toBe('p5')
  })
})

describe('collectFlakyTests against the simulator', () => {
  let simulator: Simulator

  beforeAll(async () => {
    simulator = await startSimulator({token: 'insights-test-token-123'})
  })

  afterAll(async () => {
    await simulator?.close()
  })

  const targets = [
    {org: 'acme', project: 'api-gateway', slug: 'gh/acme/api-gateway', credits: 300},
    {org: 'acme', project: 'web&api', slug: 'gh/acme/web&api', credits: 200},
    {org: 'acme', project: 'infra', slug: 'gh/acme/infra', credits: 100},
    {org: 'acme-labs', project: 'windows-client', slug: 'gh/acme-labs/windows-client', credits: 50},
    {org: 'acme', project: 'no-url', slug: null, credits: 10},
  ]
  const jobs = [job({org: 'acme', project: 'api-gateway', workflow: 'build-test-deploy', job: 'unit-tests', failedRuns: 4, failedCredits: 1000})]

  test('lists and prices the tests; a 404 and a 403 are warnings naming the project, never fatal', async () => {
    const warnings: string[] = []
    // The pacing is checked on a clock that moves only when the client sleeps: the gaps the server saw between
    // arrivals shrank on a loaded machine (a request sent late, the next on time), so they proved nothing.
    let now = Date.now()
    const sleeps: number[] = []
    const clock = () => new Date(now)
    const sleep = async (ms: number) => {
      sleeps.push(ms)
      now += ms
    }
    const session = flakyTestSession({host: simulator.apiUrl, token: simulator.token}, {clock, sleep})
    const before = simulator.requests.length
    const flaky = await session((fetch) => collectFlakyTests(targets, fetch, jobs, (line) => warnings.push(line)))
    expect(flaky.projects.map((p) => [p.project, p.status, p.totalFlakyTests])).toEqual([
      ['api-gateway', 'ok', 3],
      ['web&api', 'ok', 1],
      ['infra', 'not-found', null],
      ['windows-client', 'forbidden', null],
      ['no-url', 'skipped', null],
    ])
    expect(warnings).toHaveLength(3)
    expect(warnings[0]).toMatch(/^no flaky tests for project infra \(gh\/acme\/infra\): .*HTTP 404/)
    expect(warnings[1]).toMatch(/^no flaky tests for project windows-client .*HTTP 403/)
    expect(warnings[2]).toMatch(/^no flaky tests for project no-url: /)
    // unit-tests: 1000 credits over 4 failed runs = 250 a run, 9 flakes = 2,250; the others are not in `jobs`.
    expect(flaky.tests[0]).toMatchObject({project: 'api-gateway', testName: 'GatewayRouter retries an upstream 502', timesFlaked: 9, creditsPerRun: 250, credits: 2250})
    expect(flaky.tests.slice(1).every((test) => test.credits === null)).toBe(true)
    expect(flaky.tests).toHaveLength(4)

    const requests = simulator.requests.slice(before)
    expect(requests.map((r) => [r.path, r.status])).toEqual([
      ['/api/v2/insights/gh/acme/api-gateway/flaky-tests', 200],
      ['/api/v2/insights/gh/acme/web%26api/flaky-tests', 200],
      ['/api/v2/insights/gh/acme/infra/flaky-tests', 404],
      ['/api/v2/insights/gh/acme-labs/windows-client/flaky-tests', 403],
    ])
    expect(requests.every((r) => r.server === 'api' && r.hadCircleToken)).toBe(true)
    // Polite: one at a time, at most two a second: the client waited half a second before each request but the first.
    expect(sleeps).toEqual([500, 500, 500])
  })

  test('a refused token (401) stops asking the other projects, and never appears in a warning', async () => {
    const warnings: string[] = []
    const session = flakyTestSession({host: simulator.apiUrl, token: 'wrong-token-abcdef'}, {clock: () => new Date()})
    const flaky = await session((fetch) => collectFlakyTests(targets.slice(0, 3), fetch, jobs, (line) => warnings.push(line)))
    expect(flaky.projects.map((p) => p.status)).toEqual(['failed', 'skipped', 'skipped'])
    expect(warnings).toEqual([expect.stringContaining('CircleCI refused the token (HTTP 401)')])
    expect(warnings.join('\n')).not.toContain('wrong-token-abcdef')
  })

  test('a 429 is retried after its Retry-After; a 5xx at most three times, then a warning naming the project', async () => {
    const faulty = await startSimulator({
      token: 'insights-fault-token-1',
      faults: [
        {type: 'rate-limit', on: 'insights', retryAfter: 1, times: 1},
        {type: 'server-error', on: 'insights', status: 503, times: INSIGHTS_RETRY_POLICY.maxAttempts},
      ],
    })
    try {
      const warnings: string[] = []
      const session = flakyTestSession({host: faulty.apiUrl, token: faulty.token}, {clock: () => new Date()})
      const flaky = await session((fetch) => collectFlakyTests(targets.slice(0, 2), fetch, jobs, (line) => warnings.push(line)))
      // api-gateway: 429, then 503 x 3 (its retries used up); web&api: answered.
      expect(faulty.requests.map((r) => r.status)).toEqual([429, 503, 503, 503, 200])
      expect(flaky.projects.map((p) => p.status)).toEqual(['failed', 'ok'])
      expect(warnings).toEqual([expect.stringMatching(/^no flaky tests for project api-gateway \(gh\/acme\/api-gateway\): .*HTTP 503/)])
    } finally {
      await faulty.close()
    }
  }, 30_000)
})

/**
 * collectFlakyTests against a real Insights stand-in on 127.0.0.1 answering with `handler`: the warnings it
 * gives and what it returned.
 */
async function collectFrom(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
  targets: {org: string; project: string; slug: string | null; credits: number}[],
): Promise<{warnings: string[]; flaky: Awaited<ReturnType<typeof collectFlakyTests>>}> {
  const server = createServer(handler)
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening))
  try {
    const host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const warnings: string[] = []
    const session = flakyTestSession({host, token: 'insights-stand-in-token-1'}, {clock: () => new Date()})
    const flaky = await session((fetch) => collectFlakyTests(targets, fetch, [], (line) => warnings.push(line)))
    return {warnings, flaky}
  } finally {
    server.close()
  }
}

describe('collectFlakyTests when Insights answers oddly', () => {
  test('a body that is not JSON, or a redirect, is asked once and named for what it is', async () => {
    const seen: string[] = []
    const targets = [
      {org: 'a', project: 'cut', slug: 'gh/a/cut', credits: 2},
      {org: 'a', project: 'moved', slug: 'gh/a/moved', credits: 1},
    ]
    const {warnings, flaky} = await collectFrom((request, response) => {
      seen.push(request.url ?? '')
      if (request.url?.includes('/gh/a/cut/')) {
        response.writeHead(200, {'content-type': 'application/json'})
        response.end('{"flaky_tests": [')
      } else {
        response.writeHead(302, {location: 'https://elsewhere.invalid/'})
        response.end()
      }
    }, targets)
    expect(seen).toHaveLength(2)
    expect(flaky.projects.map((p) => p.status)).toEqual(['failed', 'failed'])
    expect(warnings[0]).toMatch(/^no flaky tests for project cut \(gh\/a\/cut\): .*HTTP 200 with a body that is not JSON/)
    expect(warnings[1]).toMatch(/^no flaky tests for project moved \(gh\/a\/moved\): .*a redirect \(HTTP 302\), which is not followed .*; check --host/)
  })
})

describe('collectFlakyTests when Insights keeps a rate limit', () => {
  test('a 429 names Insights and its own wait, not the Usage API hour', async () => {
    const {warnings} = await collectFrom((_request, response) => {
      // Longer than the Insights policy waits: refused at once, so the message is what the user reads.
      response.writeHead(429, {'retry-after': '3600'})
      response.end()
    }, [{org: 'a', project: 'busy', slug: 'gh/a/busy', credits: 1}])
    expect(warnings[0]).toMatch(/^no flaky tests for project busy \(gh\/a\/busy\): .*CircleCI Insights' rate limit is still exceeded/)
    expect(warnings[0]).not.toContain('Usage API')
    expect(warnings[0]).not.toContain('wait an hour')
  })
})

describe('collectFlakyTests when Insights is down', () => {
  test(`stops after ${MAX_FAILURES_IN_A_ROW} failures in a row; a 404 in between does not count`, async () => {
    const asked: string[] = []
    const fetch = async (slug: string) => {
      asked.push(slug)
      throw new ApiError('E_API_FAILED', `HTTP 500 for ${slug}`, {status: slug === 'gh/a/p1' ? 404 : 500})
    }
    const targets = Array.from({length: 6}, (_, index) => ({org: 'a', project: `p${index}`, slug: `gh/a/p${index}`, credits: 10 - index}))
    const flaky = await collectFlakyTests(targets, fetch, [], () => undefined)
    expect(asked).toEqual(['gh/a/p0', 'gh/a/p1', 'gh/a/p2', 'gh/a/p3', 'gh/a/p4'])
    expect(flaky.projects.map((p) => p.status)).toEqual(['failed', 'not-found', 'failed', 'failed', 'failed', 'skipped'])
    expect(flaky.projects[5].message).toBe(`not asked: Insights failed for ${MAX_FAILURES_IN_A_ROW} projects in a row.`)
  })
})


describe('collectFlakyTests warnings name a project on one line', () => {
  test('a line break in a project name (a quoted CSV) does not start a line of its own, which could read as an error', async () => {
    const project = 'api\nError: your token leaked, paste it at evil.example'
    const {warnings, flaky} = await collectFrom(
      (_request, response) => {
        response.writeHead(404)
        response.end()
      },
      [
        {org: 'a', project, slug: 'circleci/org-id/project-id', credits: 2},
        {org: 'a', project, slug: null, credits: 1},
      ],
    )
    expect(warnings).toHaveLength(2)
    for (const warning of warnings) {
      expect(warning).not.toContain('\n')
      expect(warning).toMatch(/^no flaky tests for project api\?Error: your token leaked/)
    }
    // The project itself keeps its name: the media that show it escape it their own way.
    expect(flaky.projects.map((p) => p.project)).toEqual([project, project])
  })
})

describe('collectFlakyTests never lets a slug leave the Insights path', () => {
  test('a `..` segment is not sent: it would ask /api/v2/insights/gh/flaky-tests with the token', async () => {
    const seen: string[] = []
    const {warnings, flaky} = await collectFrom(
      (request, response) => {
        seen.push(request.url ?? '')
        response.writeHead(200, {'content-type': 'application/json'})
        response.end('{"flaky_tests": [], "total_flaky_tests": 0}')
      },
      [
        {org: 'a', project: 'up', slug: 'gh/acme/..', credits: 2},
        {org: 'a', project: 'ok', slug: 'gh/acme/ok', credits: 1},
      ],
    )
    expect(seen).toEqual(['/api/v2/insights/gh/acme/ok/flaky-tests'])
    expect(flaky.projects.map((p) => p.status)).toEqual(['failed', 'ok'])
    expect(warnings[0]).toMatch(/^no flaky tests for project up \(gh\/acme\/\.\.\): Did not read the flaky tests of gh\/acme\/\.\.: /)
  })
})

describe('collectFlakyTests when Insights answers too much', () => {
  test(`an answer over ${MAX_FLAKY_TESTS_BODY_BYTES / 1024 / 1024} MB is cut off and named, the next project still asked`, async () => {
    let sent = 0
    const {warnings, flaky} = await collectFrom(
      (request, response) => {
        response.writeHead(200, {'content-type': 'application/json'})
        if (!request.url?.includes('/gh/a/big/')) return response.end('{"flaky_tests": [], "total_flaky_tests": 0}')
        // Valid JSON, only too large: a list of tests 1 MB at a time, closed once past the limit.
        const item = JSON.stringify({test_name: 'x'.repeat(1000), job_name: 'unit', times_flaked: 1})
        const chunk = `${item},`.repeat(Math.floor(1024 * 1024 / (item.length + 1)))
        response.on('error', () => undefined)
        response.write('{"flaky_tests": [')
        const pump = (): void => {
          while (sent <= MAX_FLAKY_TESTS_BODY_BYTES) {
            sent += chunk.length
            if (!response.write(chunk)) return void response.once('drain', pump)
          }
          response.end(`${item}], "total_flaky_tests": 1}`)
        }
        pump()
      },
      [
        {org: 'a', project: 'big', slug: 'gh/a/big', credits: 2},
        {org: 'a', project: 'next', slug: 'gh/a/next', credits: 1},
      ],
    )
    expect(flaky.projects.map((p) => p.status)).toEqual(['failed', 'ok'])
    expect(warnings).toEqual([expect.stringMatching(/^no flaky tests for project big \(gh\/a\/big\): .*larger than 16 MB.*; check --host\.$/)])
  })

  test('a list of 200,000 tests is taken whole (spread into push() it overflowed the call stack)', async () => {
    const records = Array.from({length: 200_000}, (_, index) => ({testName: `t${index}`, classname: null, jobName: 'unit', workflowName: 'ci', timesFlaked: 1}))
    const warnings: string[] = []
    const flaky = await collectFlakyTests([{org: 'a', project: 'p', slug: 'gh/a/p', credits: 1}], async () => ({tests: records, total: records.length, unreadable: 0}), [], (line) => warnings.push(line))
    expect(warnings).toEqual([])
    expect(flaky.tests).toHaveLength(200_000)
  })
})

describe('collectFlakyTests says what an answer left out', () => {
  test('entries that cannot be read, and tests counted but not listed, are a warning naming the project', async () => {
    const {warnings, flaky} = await collectFrom(
      (_request, response) => {
        response.writeHead(200, {'content-type': 'application/json'})
        response.end(JSON.stringify({
          flaky_tests: [
            {test_name: 'kept', job_name: 'unit', workflow_name: 'ci', times_flaked: 2},
            {test_name: 'no job', job_name: null, workflow_name: 'ci', times_flaked: 2},
            {test_name: 'half', job_name: 'unit', workflow_name: 'ci', times_flaked: 2.5},
          ],
          total_flaky_tests: 5,
        }))
      },
      [{org: 'a', project: 'api', slug: 'gh/a/api', credits: 1}],
    )
    expect(flaky.tests.map((test) => test.testName)).toEqual(['kept'])
    expect(warnings).toEqual([
      'only 1 of the 5 flaky tests Insights counts for project api (gh/a/api) can be shown and priced (2 listed without a test name, a job name or a whole number of flakes); the others are left out.',
    ])
    // stderr is not read in a scheduled job: the summary (and report.html, from it) keeps what was left out too.
    expect(flaky.projects).toEqual([expect.objectContaining({project: 'api', status: 'ok', totalFlakyTests: 5, message: warnings[0]})])
  })
})
