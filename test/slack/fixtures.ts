/**
 * Summary objects for the Slack tests, written as literals so that these tests do not depend on the report
 * engine (built in parallel). The normal week mirrors the golden export's figures (README of shared/data).
 */
import type {Bucket, Comparison, RightsizingCandidate, Summary} from '../../src/analysis/summary.js'
import {makeHealth} from '../health/fixtures.js'

/** A downsizing candidate as the savings rules write it (its change text included). */
export function rightsizing(c: {project: string; job: string; resourceClass: string; suggestedClass: string}): RightsizingCandidate {
  return {
    org: 'acme',
    workflow: 'build',
    executor: 'docker',
    direction: 'down',
    runs: 30,
    runsWithUtilisation: 30,
    medianCpuPct: 12,
    medianRamPct: 20,
    p95MaxCpuPct: 40,
    p95MaxRamPct: 45,
    spikeShare: 0,
    credits: 18_000,
    creditsPerWeek: 18_000,
    currentRate: 20,
    suggestedRate: 10,
    estimatedSavingsPerWeek: 9000,
    ...c,
    change: `resource_class: ${c.suggestedClass} in job ${c.job} of project ${c.project}`,
  }
}

export function bucket(key: string, credits: number, total: number, extra: Partial<Bucket> = {}): Bucket {
  return {
    key,
    dims: {project: key},
    credits,
    share: total === 0 ? 0 : credits / total,
    jobs: 10,
    rows: 12,
    computeMinutes: 100,
    failedCredits: 0,
    failedJobs: 0,
    dollars: null,
    ...extra,
  }
}

const TOTAL = 532_406

export const normalWeek: Summary = {
  schemaVersion: 1,
  generatedAt: '2024-11-18T06:00:00.000Z',
  tool: {name: 'cci-usage', version: '0.1.0'},
  input: {files: ['usage-export-2024-11-10_2024-11-18.csv.gz'], rows: 1260},
  window: {start: '2024-11-10T00:00:00.000Z', end: '2024-11-18T00:00:00.000Z', days: 8},
  filters: {},
  creditPrice: 0.0006,
  totals: {
    credits: {compute: 468_347, dlc: 1400, user: 0, storage: 62_343, network: 316, lease: 0, leaseOverage: 0, ipranges: 0, other: 0, total: TOTAL},
    dollars: 319.4436,
    rows: 1260,
    jobs: 1032,
    joblessRows: 228,
    computeMinutes: 6349,
    orgs: 3,
    projects: 47,
    averagePerProject: 11_327.79,
  },
  breakdowns: {
    org: [
      {...bucket('determined-ai', 432_504, TOTAL), dims: {org: 'determined-ai'}},
      {...bucket('pachyderm', 97_849, TOTAL), dims: {org: 'pachyderm'}},
      {...bucket('hpe-hcss', 2053, TOTAL), dims: {org: 'hpe-hcss'}},
    ],
    project: [
      bucket('determined', 367_190, TOTAL, {failedCredits: 100_000, failedJobs: 40}),
      bucket('pachyderm', 93_846, TOTAL),
      bucket('lore', 37_218, TOTAL),
      bucket('aioli', 26_935, TOTAL),
      bucket('haberdashery', 4003, TOTAL),
      bucket('docs', 3214, TOTAL),
    ],
    workflow: [],
    job: [],
    branch: [],
    resourceClass: [],
    executor: [],
    day: [],
    team: null,
  },
  dayByProject: [],
  failed: {credits: 122_882, jobs: 64, byProject: [], byJob: []},
  canceled: {credits: 4768, jobs: 179},
  jobStatuses: [
    {status: 'success', jobs: 947, credits: 400_000},
    {status: 'failed', jobs: 64, credits: 122_882},
  ],
  comparison: {
    previousWindow: {start: '2024-11-02T00:00:00.000Z', end: '2024-11-10T00:00:00.000Z', days: 8},
    previous: {credits: 480_000, jobs: 990, failedCredits: 100_000, rows: 1200},
    change: {credits: TOTAL - 480_000, pct: ((TOTAL - 480_000) * 100) / 480_000, jobs: 42, failedCredits: 22_882},
    projects: [
      {project: 'determined', current: 367_190, previous: 320_000, change: 47_190, pct: 14.746875},
      {project: 'pachyderm', current: 93_846, previous: 100_000, change: -6154, pct: -6.154},
      {project: 'lore', current: 37_218, previous: 37_218, change: 0, pct: 0},
      {project: 'aioli', current: 26_935, previous: 0, change: 26_935, pct: null},
      {project: 'haberdashery', current: 4003, previous: 4100, change: -97, pct: -2.3658536585365852},
    ],
    appeared: ['aioli'],
    vanished: [],
    movers: [],
    previousByDay: [],
    previousEmpty: false,
  },
  savings: {
    thresholds: {minRuns: 5, lowUtilisationPct: 40, spikePct: 90, maxSpikeShare: 0.05, highUtilisationPct: 90},
    rateTable: {source: 'https://circleci.com/pricing/price-list/', date: '2024-11-01'},
    rightsizing: [
      rightsizing({project: 'determined', job: 'e2e-tests', resourceClass: 'xlarge', suggestedClass: 'large'}),
      rightsizing({project: 'pachyderm', job: 'build', resourceClass: 'large', suggestedClass: 'medium'}),
    ],
    underProvisioned: [],
    failingJobs: [],
    top: [
      {
        kind: 'rightsizing',
        title: 'Downsize e2e-tests in determined',
        creditsPerWeek: 61_000,
        evidence: 'median CPU 8%, RAM 11% over 52 runs',
        change: 'resource_class: large in job e2e-tests of project determined',
      },
      {
        kind: 'rightsizing',
        title: 'Downsize build in pachyderm',
        creditsPerWeek: 9000,
        evidence: 'median CPU 12%, RAM 20% over 30 runs',
        change: 'resource_class: medium in job build of project pachyderm',
      },
    ],
    projectedFrom: {start: '2024-11-10T00:00:00.000Z', end: '2024-11-18T00:00:00.000Z', days: 8},
  },
  artifacts: ['credits-by-project.svg', 'credits-by-project.png'],
  ...makeHealth({project: 'determined', workflow: 'test-e2e', job: 'e2e-tests', testName: 'TestExperimentRetries'}),
}

/** A week without usage at all: every total 0, empty breakdowns, previous window also empty of credits. */
export const quietWeek: Summary = {
  ...normalWeek,
  input: {files: ['usage-export-2024-11-18_2024-11-25.csv.gz'], rows: 0},
  window: {start: '2024-11-18T00:00:00.000Z', end: '2024-11-25T00:00:00.000Z', days: 7},
  creditPrice: null,
  totals: {
    credits: {compute: 0, dlc: 0, user: 0, storage: 0, network: 0, lease: 0, leaseOverage: 0, ipranges: 0, other: 0, total: 0},
    dollars: null,
    rows: 0,
    jobs: 0,
    joblessRows: 0,
    computeMinutes: 0,
    orgs: 0,
    projects: 0,
    averagePerProject: 0,
  },
  filters: {org: 'determined-ai'},
  breakdowns: {...normalWeek.breakdowns, org: [], project: []},
  failed: {credits: 0, jobs: 0, byProject: [], byJob: []},
  canceled: {credits: 0, jobs: 0},
  jobStatuses: [],
  comparison: {
    previousWindow: {start: '2024-11-11T00:00:00.000Z', end: '2024-11-18T00:00:00.000Z', days: 7},
    previous: {credits: 0, jobs: 0, failedCredits: 0, rows: 3},
    change: {credits: 0, pct: null, jobs: 0, failedCredits: 0},
    projects: [],
    appeared: [],
    vanished: [],
    movers: [],
    previousByDay: [],
    previousEmpty: false,
  },
  savings: null,
  artifacts: [],
}

/** Usage tripled: the kind of week that must reach the channel. */
export function bigJump(): Summary {
  const comparison: Comparison = {
    ...(normalWeek.comparison as Comparison),
    previous: {credits: 150_000, jobs: 400, failedCredits: 5000, rows: 500},
    change: {credits: TOTAL - 150_000, pct: ((TOTAL - 150_000) * 100) / 150_000, jobs: 632, failedCredits: 117_882},
    projects: [{project: 'determined', current: 367_190, previous: 60_000, change: 307_190, pct: 511.98}],
  }
  return {...normalWeek, creditPrice: null, totals: {...normalWeek.totals, dollars: null}, comparison, savings: null}
}

/** Forty projects with long (but legitimate) names, and teams configured. */
export function fortyProjects(): Summary {
  const projects = Array.from({length: 40}, (_, index) =>
    bucket(`org-${index % 3}/service-with-a-rather-long-descriptive-name-number-${String(index + 1).padStart(2, '0')}`, 40_000 - index * 900, TOTAL),
  )
  const teams = Array.from({length: 12}, (_, index) => bucket(`team-${index + 1}`, 20_000 - index * 1000, TOTAL))
  return {
    ...normalWeek,
    totals: {...normalWeek.totals, projects: 40},
    breakdowns: {...normalWeek.breakdowns, project: projects, team: teams},
    comparison: {
      ...(normalWeek.comparison as Comparison),
      projects: projects.map((project) => ({project: project.key, current: project.credits, previous: 1000, change: project.credits - 1000, pct: null})),
    },
  }
}

export const HOSTILE_NAMES = ['<!channel>', '*bold*', 'R&D', '<script>alert(1)</script>', '_x_', '`code`', '<@U024BE7LH>', '~strike~', '<!here|here>', 'line\nbreak']

/** Names an attacker (or an unlucky team) could give orgs, projects and teams. */
export function hostileNames(): Summary {
  const projects = HOSTILE_NAMES.map((name, index) => bucket(name, 10_000 - index * 100, TOTAL))
  return {
    ...normalWeek,
    filters: {project: '<!channel>*'},
    breakdowns: {
      ...normalWeek.breakdowns,
      org: [{...bucket('<!here> & *co*', TOTAL, TOTAL), dims: {org: '<!here> & *co*'}}],
      project: projects,
      team: [bucket('<!subteam^S123> _ops_', 5000, TOTAL)],
    },
    comparison: {
      ...(normalWeek.comparison as Comparison),
      projects: projects.map((project) => ({project: project.key, current: project.credits, previous: 9000, change: project.credits - 9000, pct: null})),
    },
    savings: {
      ...(normalWeek.savings as NonNullable<Summary['savings']>),
      rightsizing: [rightsizing({project: '<@U1> *p*', job: '`deploy` & co', resourceClass: 'x_large', suggestedClass: 'large'})],
      top: [{kind: 'rightsizing', title: 'Downsize *build* in <!channel>', creditsPerWeek: 100, evidence: 'x', change: 'resource_class: large in job `deploy` & co of project <@U1> *p*'}],
    },
    ...makeHealth({project: '<!channel> *p*', workflow: '_wf_ & co', job: '`job`', testName: '<@U024BE7LH> *flaky* ~x~ <script>'}, {flakyCredits: 99_000}),
  }
}
