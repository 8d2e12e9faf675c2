import {
  OTHER_KEY,
  type Bucket,
  type Comparison,
  type DayBucket,
  type DayProjectPoint,
  type ProjectChange,
  type Savings,
  type Summary,
} from '../../src/analysis/summary.js'

/**
 * Literal Summary objects for chart and HTML tests, built without the report pipeline. Figures are derived
 * from a fixed formula so every breakdown adds up to the same total, like a real summary.
 */
export interface FixtureOptions {
  projects?: number
  days?: number
  /** Names to use for the first projects (the rest are generated). */
  names?: string[]
  comparison?: boolean
  teams?: boolean
  savings?: boolean
  creditPrice?: number | null
  /** Projects ranked past this many are folded into an upstream "other" bucket, like the report may do. */
  upstreamOtherAfter?: number
  /** How many projects get their own series in dayByProject (the rest as "other"). */
  dayProjects?: number
  /** Every figure zero (projects still listed) instead of the formula. */
  allZero?: boolean
}

const START = Date.UTC(2024, 10, 10)
const DAY_MS = 86_400_000
const dayOf = (offset: number, base = START): string => new Date(base + offset * DAY_MS).toISOString().slice(0, 10)

function bucket(key: string, dims: Record<string, string | null>, credits: number, total: number, price: number | null, failedShare = 0.1): Bucket {
  const failedCredits = Math.round(credits * failedShare)
  const jobs = Math.max(credits > 0 ? 1 : 0, Math.round(credits / 40))
  return {
    key,
    dims,
    credits,
    share: total > 0 ? credits / total : 0,
    jobs,
    rows: jobs + 1,
    computeMinutes: Math.round(credits / 10),
    failedCredits,
    failedJobs: failedCredits > 0 ? Math.max(1, Math.round(jobs * failedShare)) : 0,
    dollars: price === null ? null : credits * price,
  }
}

/** Splits `credits` into `parts` integers by the given weights, the remainder on the last part. */
function split(credits: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0)
  const parts = weights.map((w) => Math.floor((credits * w) / sum))
  parts[parts.length - 1] += credits - parts.reduce((a, b) => a + b, 0)
  return parts
}

export function makeSummary(options: FixtureOptions = {}): Summary {
  const projectCount = options.projects ?? 5
  const dayCount = options.days ?? 7
  const price = options.creditPrice === undefined ? null : options.creditPrice
  const names = Array.from({length: projectCount}, (_, i) => options.names?.[i] ?? `project-${String(i + 1).padStart(2, '0')}`)
  const projectCredits = names.map((_, i) => (options.allZero ? 0 : Math.round(120_000 / Math.pow(i + 1, 1.3))))
  const total = projectCredits.reduce((a, b) => a + b, 0)

  const upstreamAfter = options.upstreamOtherAfter ?? Infinity
  const projectBuckets: Bucket[] = names
    .slice(0, Math.min(projectCount, upstreamAfter))
    .map((name, i) => bucket(name, {org: 'acme', project: name}, projectCredits[i], total, price))
  if (projectCount > upstreamAfter) {
    const rest = projectCredits.slice(upstreamAfter).reduce((a, b) => a + b, 0)
    projectBuckets.push(bucket(OTHER_KEY, {org: null, project: null}, rest, total, price))
  }

  const windowDays = Array.from({length: dayCount}, (_, d) => dayOf(d))
  // A weekly rhythm: weekends are quiet, so charts show a recognisable shape.
  const weights = windowDays.map((_, d) => ([5, 6].includes((d + 6) % 7) ? 1 : 4 + (d % 3)))
  const dayProjects = Math.min(options.dayProjects ?? 10, projectCount)
  const dayByProject: DayProjectPoint[] = []
  const perDay = new Array<number>(dayCount).fill(0)
  names.forEach((name, i) => {
    const series = i < dayProjects ? name : OTHER_KEY
    split(projectCredits[i], weights.map((w, d) => w * (1 + ((i + d) % 4)))).forEach((credits, d) => {
      perDay[d] += credits
      const existing = dayByProject.find((p) => p.day === windowDays[d] && p.project === series)
      if (existing) existing.credits += credits
      else dayByProject.push({day: windowDays[d], project: series, credits})
    })
  })
  const dayBuckets: DayBucket[] = windowDays.map((day, d) => ({day, credits: perDay[d], jobs: Math.round(perDay[d] / 40)}))

  const workflows: Bucket[] = []
  const jobs: Bucket[] = []
  names.forEach((name, i) => {
    const [build, deploy] = split(projectCredits[i], [3, 1])
    workflows.push(bucket(`${name}/build-and-test`, {org: 'acme', project: name, workflow: 'build-and-test'}, build, total, price, 0.2))
    workflows.push(bucket(`${name}/deploy`, {org: 'acme', project: name, workflow: 'deploy'}, deploy, total, price, 0))
    split(build, [2, 1]).forEach((credits, j) => {
      const job = j === 0 ? 'test' : 'lint'
      jobs.push(bucket(`${name}/build-and-test/${job}`, {org: 'acme', project: name, workflow: 'build-and-test', job}, credits, total, price, j === 0 ? 0.3 : 0))
    })
  })

  const classes = ['medium', 'large', 'xlarge', 'docker.small', 'arm.large', 'macos.m1.medium.gen1']
  const resourceClass = split(total, [8, 5, 3, 1, 1, 0.5]).map((credits, i) =>
    bucket(classes[i], {resourceClass: classes[i]}, credits, total, price, [0.05, 0.25, 0.4, 0, 0.1, 0][i]),
  )
  const executor = split(total, [3, 1]).map((credits, i) => bucket(['docker', 'machine'][i], {executor: ['docker', 'machine'][i]}, credits, total, price))
  const branch = split(total, [2, 1]).map((credits, i) => bucket(['main', 'feature/x'][i], {branch: ['main', 'feature/x'][i]}, credits, total, price))
  const failedCredits = projectBuckets.reduce((a, b) => a + b.failedCredits, 0)

  let comparison: Comparison | null = null
  if (options.comparison) {
    const previousCredits = projectCredits.map((c, i) => (i === 1 ? 0 : Math.round(c * (0.8 + (i % 3) * 0.15))))
    const previousTotal = previousCredits.reduce((a, b) => a + b, 0)
    const projects: ProjectChange[] = names
      .map((project, i) => ({
        project,
        current: projectCredits[i],
        previous: previousCredits[i],
        change: projectCredits[i] - previousCredits[i],
        pct: previousCredits[i] === 0 ? null : ((projectCredits[i] - previousCredits[i]) / previousCredits[i]) * 100,
      }))
      .sort((a, b) => Math.abs(b.change) - Math.abs(a.change) || (a.project < b.project ? -1 : 1))
    const previousStart = START - dayCount * DAY_MS
    comparison = {
      previousWindow: {start: new Date(previousStart).toISOString(), end: new Date(START).toISOString(), days: dayCount},
      previous: {credits: previousTotal, jobs: Math.round(previousTotal / 40), failedCredits: Math.round(previousTotal * 0.08), rows: Math.round(previousTotal / 35)},
      change: {
        credits: total - previousTotal,
        pct: previousTotal === 0 ? null : ((total - previousTotal) / previousTotal) * 100,
        jobs: Math.round((total - previousTotal) / 40),
        failedCredits: failedCredits - Math.round(previousTotal * 0.08),
      },
      projects,
      appeared: projectCount > 1 ? [names[1]] : [],
      vanished: ['retired-service'],
      movers: projects.slice(0, 5),
      previousByDay: split(previousTotal, weights.map((w) => w + 1)).map((credits, d) => ({day: dayOf(d, previousStart), credits, jobs: Math.round(credits / 40)})),
      previousEmpty: false,
    }
  }

  let savings: Savings | null = null
  if (options.savings && projectCount > 0) {
    const first = names[0]
    savings = {
      thresholds: {minRuns: 10, lowUtilisationPct: 40, spikePct: 85, maxSpikeShare: 0.05, highUtilisationPct: 90},
      rateTable: {source: 'circleci.com/pricing', date: '2024-11-01'},
      rightsizing: [
        {
          org: 'acme', project: first, workflow: 'build-and-test', job: 'test', resourceClass: 'xlarge', executor: 'docker',
          direction: 'down', suggestedClass: 'large', runs: 120, runsWithUtilisation: 118, medianCpuPct: 22, medianRamPct: 31,
          p95MaxCpuPct: 48, p95MaxRamPct: 55, spikeShare: 0.01, credits: 9600, creditsPerWeek: 9600, currentRate: 40,
          suggestedRate: 20, estimatedSavingsPerWeek: 4800, change: `resource_class: large in job test of project ${first}`,
        },
      ],
      underProvisioned: [
        {
          org: 'acme', project: first, workflow: 'build-and-test', job: 'lint', resourceClass: 'small', executor: 'docker',
          direction: 'up', suggestedClass: 'medium', runs: 40, runsWithUtilisation: 40, medianCpuPct: 95, medianRamPct: 70,
          p95MaxCpuPct: 100, p95MaxRamPct: 92, spikeShare: 0.6, credits: 200, creditsPerWeek: 200, currentRate: 5,
          suggestedRate: 10, estimatedSavingsPerWeek: -200, change: `resource_class: medium in job lint of project ${first}`,
        },
      ],
      failingJobs: [
        {project: first, workflow: 'build-and-test', job: 'test', runs: 120, failures: 30, failureRate: 0.25, failedCredits: 2400},
      ],
      top: [
        {kind: 'rightsizing', title: `Downsize test in ${first} to large`, creditsPerWeek: 4800, evidence: 'median CPU 22%, p95 max CPU 48% over 118 runs', change: `resource_class: large in job test of project ${first}`},
        {kind: 'failed-jobs', title: `Fix failing test in ${first}`, creditsPerWeek: 2400, evidence: '30 of 120 runs failed (25.0%)', change: `fix or quarantine the flaky test job of project ${first}`},
      ],
    }
  }

  return {
    schemaVersion: 1,
    generatedAt: '2024-11-18T06:00:00.000Z',
    tool: {name: 'cci-usage', version: '0.1.0'},
    input: {files: ['usage-export.csv.gz'], rows: Math.round(total / 35)},
    window: {start: new Date(START).toISOString(), end: new Date(START + dayCount * DAY_MS).toISOString(), days: dayCount},
    filters: {},
    creditPrice: price,
    totals: {
      credits: {compute: total, dlc: 0, user: 0, storage: 0, network: 0, lease: 0, leaseOverage: 0, ipranges: 0, other: 0, total},
      dollars: price === null ? null : total * price,
      rows: Math.round(total / 35),
      jobs: Math.round(total / 40),
      joblessRows: 3,
      computeMinutes: Math.round(total / 10),
      orgs: 1,
      projects: projectCount,
      averagePerProject: projectCount > 0 ? total / projectCount : 0,
    },
    breakdowns: {
      org: projectCount > 0 ? [bucket('acme', {org: 'acme'}, total, total, price)] : [],
      project: projectBuckets,
      workflow: workflows.sort((a, b) => b.credits - a.credits),
      job: jobs.sort((a, b) => b.credits - a.credits),
      branch: projectCount > 0 ? branch : [],
      resourceClass: projectCount > 0 ? resourceClass : [],
      executor: projectCount > 0 ? executor : [],
      day: dayBuckets,
      team: options.teams
        ? split(total, [3, 2, 1]).map((credits, i) => bucket(['platform', 'web', 'unassigned'][i], {team: ['platform', 'web', 'unassigned'][i]}, credits, total, price))
        : null,
    },
    dayByProject,
    failed: {
      credits: failedCredits,
      jobs: projectBuckets.reduce((a, b) => a + b.failedJobs, 0),
      byProject: projectBuckets.filter((b) => b.failedCredits > 0).map((b) => ({...b, credits: b.failedCredits, share: total > 0 ? b.failedCredits / total : 0})),
      byJob: jobs.filter((b) => b.failedCredits > 0).map((b) => ({...b, credits: b.failedCredits, share: total > 0 ? b.failedCredits / total : 0})),
    },
    canceled: {credits: Math.round(total * 0.01), jobs: Math.round(total / 4000)},
    jobStatuses: projectCount > 0
      ? [
          {status: 'success', jobs: Math.round(total / 50), credits: total - failedCredits},
          {status: 'failed', jobs: Math.round(total / 400), credits: failedCredits},
          {status: 'canceled', jobs: 3, credits: 0},
        ]
      : [],
    comparison,
    savings,
    artifacts: [],
  }
}

/** Names that try every escaping trap at once. */
export const HOSTILE_NAMES = [
  '<script>alert(1)</script>',
  'a & b',
  `quote " and apostrophe ' inside`,
  'ünïcødé-프로젝트-日本語-😀',
  'x'.repeat(200),
  ']]></svg><img src=x onerror=alert(2)>',
]
