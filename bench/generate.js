#!/usr/bin/env node
/**
 * Generates a realistic CircleCI usage export of a given size for benchmarks: the real dialect (48 UPPER_CASE
 * columns, unquoted, LF, `\\N` nulls, millisecond UTC timestamps), a long tail of projects, job-less rows,
 * realistic statuses, resource classes and credit rates. Deterministic for a given --seed.
 *
 *   node bench/generate.js --mb 1000 [--out bench/out/usage-1000mb.csv] [--days 14] [--end 2024-11-18]
 *                          [--parts N --gzip]   (N gzip parts named part-000.csv.gz ... in a folder, like a raw export)
 *                          [--projects N] [--branches N] [--jobs N] [--runners N] [--long-names]
 *
 * The last five shape a large organization's names (see CARDINALITY below); without them the export is the same,
 * byte for byte, as before they existed, so the benches' figures stay comparable.
 *
 * Prints one JSON line: {file(s), rows, bytes, credits} so benchmarks can check the report's totals.
 */
import {createWriteStream, mkdirSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {createGzip} from 'node:zlib'
import {once} from 'node:events'

const HEADER = [
  'ORGANIZATION_ID', 'ORGANIZATION_NAME', 'ORGANIZATION_CREATED_DATE', 'PROJECT_ID', 'PROJECT_NAME', 'PROJECT_CREATED_DATE',
  'LAST_BUILD_FINISHED_AT', 'VCS_NAME', 'VCS_URL', 'VCS_BRANCH', 'PIPELINE_ID', 'PIPELINE_CREATED_AT', 'PIPELINE_NUMBER',
  'IS_UNREGISTERED_USER', 'PIPELINE_TRIGGER_SOURCE', 'PIPELINE_TRIGGER_USER_ID', 'WORKFLOW_ID', 'WORKFLOW_NAME',
  'WORKFLOW_FIRST_JOB_QUEUED_AT', 'WORKFLOW_FIRST_JOB_STARTED_AT', 'WORKFLOW_STOPPED_AT', 'IS_WORKFLOW_SUCCESSFUL', 'JOB_NAME',
  'JOB_RUN_NUMBER', 'JOB_ID', 'JOB_RUN_DATE', 'JOB_RUN_QUEUED_AT', 'JOB_RUN_STARTED_AT', 'JOB_RUN_STOPPED_AT', 'JOB_BUILD_STATUS',
  'RESOURCE_CLASS', 'OPERATING_SYSTEM', 'EXECUTOR', 'PARALLELISM', 'JOB_RUN_SECONDS', 'MEDIAN_CPU_UTILIZATION_PCT',
  'MAX_CPU_UTILIZATION_PCT', 'MEDIAN_RAM_UTILIZATION_PCT', 'MAX_RAM_UTILIZATION_PCT', 'COMPUTE_CREDITS', 'DLC_CREDITS',
  'USER_CREDITS', 'STORAGE_CREDITS', 'NETWORK_CREDITS', 'LEASE_CREDITS', 'LEASE_OVERAGE_CREDITS', 'IPRANGES_CREDITS',
  'TOTAL_CREDITS',
].join(',')

const NULL = '\\\\N'

// Credits per minute, approximately CircleCI's published rates; the exact figures only shape the data.
const CLASSES = [
  {name: 'small', executor: 'docker', os: 'linux', rate: 5, weight: 8},
  {name: 'medium', executor: 'docker', os: 'linux', rate: 10, weight: 30},
  {name: 'medium+', executor: 'docker', os: 'linux', rate: 15, weight: 6},
  {name: 'large', executor: 'docker', os: 'linux', rate: 20, weight: 18},
  {name: 'xlarge', executor: 'docker', os: 'linux', rate: 40, weight: 6},
  {name: '2xlarge', executor: 'docker', os: 'linux', rate: 80, weight: 2},
  {name: 'medium', executor: 'machine', os: 'linux', rate: 10, weight: 6},
  {name: 'large', executor: 'machine', os: 'linux', rate: 20, weight: 5},
  {name: 'xlarge', executor: 'machine', os: 'linux', rate: 40, weight: 2},
  {name: 'arm.medium', executor: 'machine', os: 'linux', rate: 10, weight: 3},
  {name: 'arm.large', executor: 'machine', os: 'linux', rate: 20, weight: 2},
  {name: 'windows.medium', executor: 'machine', os: 'windows', rate: 40, weight: 2},
  {name: 'macos.m1.medium.gen1', executor: 'macos', os: 'macos', rate: 150, weight: 2},
  {name: 'gpu.nvidia.small', executor: 'machine', os: 'linux', rate: 160, weight: 1},
  {name: 'medium', executor: 'remote-docker', os: 'linux', rate: 10, weight: 3},
  {name: 'acme/runner.linux', executor: 'runner', os: 'linux', rate: 0, weight: 2},
]
const TRIGGERS = [['webhook', 70], ['scheduled_pipeline', 15], ['api', 10], ['explicit', 5]]
const WORDS = ['api', 'web', 'core', 'billing', 'search', 'mobile', 'infra', 'auth', 'data', 'ml', 'docs', 'admin', 'edge',
  'gateway', 'ledger', 'notify', 'ingest', 'etl', 'cli', 'sdk', 'ui', 'payments', 'catalog', 'orders', 'metrics']
const JOBS = ['build', 'test', 'lint', 'unit-tests', 'integration-tests', 'e2e', 'deploy', 'package', 'publish', 'security-scan',
  'typecheck', 'docker-build', 'migrate', 'smoke-test', 'release']
const WORKFLOWS = ['build-test-deploy', 'ci', 'nightly', 'release', 'pr-checks', 'main']

const USAGE = `usage: node bench/generate.js --mb N [--out FILE] [--days 14] [--end 2024-11-18] [--seed 42] [--parts N --gzip]
                                [--projects N] [--branches N] [--jobs N] [--runners N] [--long-names]
  N MB of a realistic export (default $BENCH_MB or 1000) ending on --end, in one CSV, or in N gzip parts in a folder.
  --projects: that many projects (default 400); --branches: about that many distinct branches (one per pull request);
  --jobs: that many distinct project x workflow x job names in all; --runners: that many more self-hosted resource
  classes; --long-names: one name in 40 of each kind is 200+ characters of unicode (RTL, emoji, combining marks, & < >).`

function parseArgs(argv) {
  const args = {mb: Number(process.env.BENCH_MB ?? 1000), days: 14, end: '2024-11-18', seed: 42, parts: 0, gzip: false, out: '',
    projects: 0, branches: 0, jobs: 0, runners: 0, longNames: false}
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    const value = argv[i + 1]
    if (flag === '--mb') (args.mb = Number(value), i++)
    else if (flag === '--out') (args.out = value, i++)
    else if (flag === '--days') (args.days = Number(value), i++)
    else if (flag === '--end') (args.end = value, i++)
    else if (flag === '--seed') (args.seed = Number(value), i++)
    else if (flag === '--parts') (args.parts = Number(value), i++)
    else if (flag === '--gzip') args.gzip = true
    else if (flag === '--projects') (args.projects = Number(value), i++)
    else if (flag === '--branches') (args.branches = Number(value), i++)
    else if (flag === '--jobs') (args.jobs = Number(value), i++)
    else if (flag === '--runners') (args.runners = Number(value), i++)
    else if (flag === '--long-names') args.longNames = true
    else if (flag === '--help' || flag === '-h') {
      process.stdout.write(`${USAGE}\n`)
      process.exit(0)
    } else {
      process.stderr.write(`bench/generate.js: unknown argument ${flag}\n${USAGE}\n`)
      process.exit(2)
    }
  }
  if (!(args.mb > 0)) throw new Error('--mb must be a positive number of megabytes')
  if (!args.out) args.out = args.parts > 0 ? `bench/out/parts-${args.mb}mb` : `bench/out/usage-${args.mb}mb.csv`
  return args
}

/** mulberry32: small, fast, deterministic. */
function rng(seed) {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function weightedPicker(random, entries, weightOf) {
  const total = entries.reduce((sum, entry) => sum + weightOf(entry), 0)
  return () => {
    let roll = random() * total
    for (const entry of entries) {
      roll -= weightOf(entry)
      if (roll <= 0) return entry
    }
    return entries[entries.length - 1]
  }
}

function uuid(random) {
  const hex = () => Math.floor(random() * 0x100000000).toString(16).padStart(8, '0')
  const a = hex(), b = hex(), c = hex(), d = hex()
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-a${c.slice(1, 4)}-${c.slice(4)}${d}`
}

function timestamp(ms) {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '')
}

function buildWorld(random) {
  const orgs = ['acme', 'acme-labs', 'globex'].map((name) => ({name, id: uuid(random), created: '2019-05-14'}))
  const projects = []
  for (let i = 0; i < 400; i++) {
    const org = orgs[i % 7 === 0 ? 1 : i % 11 === 0 ? 2 : 0]
    const name = `${WORDS[i % WORDS.length]}${i < WORDS.length ? '' : `-${Math.floor(i / WORDS.length)}`}`
    const branches = ['main', 'develop', ...Array.from({length: 30}, (_, b) => `feature/${WORDS[(i + b) % WORDS.length]}-${b}`)]
    const jobs = JOBS.slice(0, 4 + (i % 10))
    const classes = jobs.map(() => weightedPicker(random, CLASSES, (c) => c.weight)())
    projects.push({
      org, name, id: uuid(random), branches, jobs, classes,
      workflows: WORKFLOWS.slice(0, 1 + (i % 3)),
      // Zipf-like: a few projects dominate the bill, as in real exports.
      weight: 1 / Math.pow(i + 1, 1.1),
      pipelines: 0,
      url: `https://github.com/${org.name}/${name}`,
    })
  }
  return {orgs, projects}
}

/**
 * CARDINALITY: a large organization has thousands of projects, a branch per pull request (100,000+ a year), tens of
 * thousands of project x workflow x job names, hundreds of self-hosted runner classes, and names no ASCII test
 * thinks of. The export's dialect has no quoting, so no name holds a comma, a double quote, a backslash or a line end.
 */
const LONG_PARTS = ['מאגר-הנתונים', 'خط-الإنتاج', '数据管道', 'テスト', '🚀', '👩‍💻', '🇫🇷', 'e\u0301te\u0301', '&', '&amp;', '<b>', '<!here>',
  '>', "'", '*bold*', '_x_', '~s~', '`c`', 'Ω≈ç', '𝔘𝔫𝔦', 'İstanbul', 'Straße', '\u200f']

function longName(random, prefix) {
  let name = prefix
  while (name.length < 200) name += `-${LONG_PARTS[Math.floor(random() * LONG_PARTS.length)]}`
  return `${name}-end`
}

function buildLargeWorld(random, options) {
  const orgs = ['acme', 'acme-labs', 'globex'].map((name) => ({name, id: uuid(random), created: '2019-05-14'}))
  const count = options.projects || 400
  const perProject = options.jobs > 0 ? Math.max(1, Math.round(options.jobs / count)) : 0
  const runners = Array.from({length: options.runners}, (_, k) => ({
    name: `acme/${WORDS[k % WORDS.length]}-runner-${k}`, executor: 'runner', os: k % 7 === 0 ? 'windows' : 'linux', rate: 2, weight: 0.2,
  }))
  const classes = [...CLASSES, ...runners]
  let longs = 0
  const named = (plain) => (options.longNames && ++longs % 40 === 0 ? longName(random, plain) : plain)
  const projects = []
  for (let i = 0; i < count; i++) {
    const org = orgs[i % 7 === 0 ? 1 : i % 11 === 0 ? 2 : 0]
    const name = named(`${WORDS[i % WORDS.length]}${i < WORDS.length ? '' : `-${Math.floor(i / WORDS.length)}`}`)
    const jobs = perProject > 0
      ? Array.from({length: perProject}, (_, k) => named(`${JOBS[k % JOBS.length]}${k < JOBS.length ? '' : `-${Math.floor(k / JOBS.length)}`}`))
      : JOBS.slice(0, 4 + (i % 10))
    const workflows = WORKFLOWS.slice(0, 1 + (i % 3)).map(named)
    projects.push({
      org, name, id: uuid(random), jobs,
      classes: jobs.map((_, k) => (runners.length > 0 && (i + k) % 5 === 0 ? runners[(i * 7 + k) % runners.length] : weightedPicker(random, classes, (c) => c.weight)())),
      workflows,
      // Each job belongs to one workflow, so the project x workflow x job names are the jobs' count.
      jobWorkflow: jobs.map((_, k) => k % workflows.length),
      branches: ['main', 'develop', ...Array.from({length: 30}, (_, b) => `feature/${WORDS[(i + b) % WORDS.length]}-${b}`)],
      // Flatter than the default's Zipf, so that the long tail of projects (and their jobs) shows up in the export.
      weight: 1 / Math.pow(i + 1, 0.7),
      pipelines: 0,
      url: `https://github.com/${org.name}/${encodeURIComponent(name)}`,
    })
  }
  let pullRequests = 0
  // With --branches, most pipelines are a pull request's own branch, running one or two jobs (a PR pipeline's
  // filters), so that 200 MB holds 100,000+ branches as a busy year does.
  const branchOf = (project) => {
    if (options.branches <= 0) return project.branches[random() < 0.5 ? 0 : Math.floor(random() * project.branches.length)]
    if (random() < 0.1) return 'main'
    const n = pullRequests++ % options.branches
    return named(`pr/${WORDS[n % WORDS.length]}-${n}`)
  }
  const shapeOf = (project, branch) => {
    const w = Math.floor(random() * project.workflows.length)
    let jobs = project.jobs.filter((_, k) => project.jobWorkflow[k] === w)
    const keep = options.branches > 0 && branch !== 'main' ? 1 + Math.floor(random() * 2) : 3 + Math.floor(random() * 6)
    if (jobs.length > keep) {
      const from = Math.floor(random() * (jobs.length - keep + 1))
      jobs = jobs.slice(from, from + keep)
    }
    return [{name: project.workflows[w], jobs}]
  }
  return {orgs, projects, large: {branchOf, shapeOf}}
}

const STATUS_OUTCOMES = [['success', 62], ['failed', 20], ['canceled', 14], ['running', 1], ['queued', 1], ['blocked', 2]]

/**
 * One pipeline as the export lists it: one row per job of each workflow it ran, sharing the pipeline's and the
 * workflow's ids and times (a real export has a few hundred pipelines per thousand rows). A failed or canceled
 * job leaves the workflow's later jobs as job-less rows with 0 credits; a failed workflow is sometimes rerun in
 * the same pipeline under a new workflow id.
 */
function makePipeline(random, pickProject, pickOutcome, pickTrigger, windowStartMs, windowMs, counter, large) {
  const project = pickProject()
  const createdMs = windowStartMs + Math.floor(random() * windowMs)
  const branch = large ? large.branchOf(project) : project.branches[random() < 0.5 ? 0 : Math.floor(random() * project.branches.length)]
  const pipeline = uuid(random)
  const trigger = pickTrigger()[0]
  const registeredUser = trigger === 'scheduled_pipeline' ? NULL : uuid(random)
  const unregistered = random() < 0.3 ? 'true' : 'false'
  project.pipelines++
  const pipelineBase = [
    project.org.id, project.org.name, project.org.created, project.id, project.name, '2021-03-01',
    timestamp(createdMs + 86400000), 'github', project.url, branch, pipeline, timestamp(createdMs),
    String(project.pipelines), unregistered, trigger, registeredUser,
  ]
  const workflows = large
    ? large.shapeOf(project, branch)
    : (random() < 0.2 && project.workflows.length > 1 ? project.workflows.slice(0, 2) : project.workflows.slice(0, 1))
        .map((name, w, all) => ({name, jobs: project.jobs.filter((_, index) => index % all.length === w)}))
  const lines = []
  let startMs = createdMs + 5000 + Math.floor(random() * 25000)
  for (const {name: workflowName, jobs} of workflows) {
    let outcome = pickOutcome()[0]
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = makeWorkflow(random, project, pipelineBase, workflowName, jobs, outcome, startMs, counter + lines.length)
      lines.push(...result.lines)
      // About a third of failed workflows are rerun (from the start, under a new workflow id), usually green.
      if (outcome !== 'failed' || random() >= 0.35) break
      outcome = random() < 0.85 ? 'success' : 'failed'
      startMs = result.stoppedMs + 60000 + Math.floor(random() * 600000)
    }
  }
  return lines
}

function makeWorkflow(random, project, pipelineBase, workflowName, jobs, outcome, firstQueuedMs, counter) {
  const workflowId = uuid(random)
  const stopAt = outcome === 'success' ? jobs.length : Math.floor(random() * jobs.length)
  const rows = []
  let clockMs = firstQueuedMs
  for (const [index, jobName] of jobs.entries()) {
    const date = new Date(clockMs).toISOString().slice(0, 10)
    if (index > stopAt || (index === stopAt && (outcome === 'blocked' || outcome === 'running'))) {
      rows.push({jobless: true, date, status: outcome === 'canceled' ? 'canceled' : outcome === 'running' ? 'running' : 'blocked', queuedMs: clockMs})
      continue
    }
    const cls = project.classes[project.jobs.indexOf(jobName)]
    const status = index === stopAt ? (outcome === 'queued' ? 'queued' : outcome) : 'success'
    if (status === 'queued') {
      rows.push({jobless: true, date, status, queuedMs: clockMs, name: jobName})
      continue
    }
    let seconds = Math.max(1, Math.round(Math.exp(4 + random() * 2.5 + (random() - 0.5))))
    if (status === 'failed' || status === 'canceled') seconds = Math.max(1, Math.round(seconds * (0.1 + 0.8 * random())))
    const queuedMs = clockMs
    const startedMs = queuedMs + 1000 + Math.floor(random() * (random() < 0.1 ? 300000 : 15000))
    const stoppedMs = startedMs + seconds * 1000
    rows.push({jobless: false, date: new Date(startedMs).toISOString().slice(0, 10), status, name: jobName, cls, seconds, queuedMs, startedMs, stoppedMs})
    clockMs = stoppedMs + 1000 + Math.floor(random() * 4000)
  }
  const ran = rows.filter((row) => !row.jobless)
  const workflowFields = [
    workflowId, workflowName, timestamp(firstQueuedMs), ran.length > 0 ? timestamp(ran[0].startedMs) : NULL,
    outcome === 'running' ? NULL : timestamp(clockMs), outcome === 'success' ? 'true' : 'false',
  ]
  const lines = rows.map((row, index) => {
    const base = [...pipelineBase, ...workflowFields].join(',')
    if (row.jobless) {
      return `${base},${row.name ?? NULL},${NULL},${uuid(random)},${row.date},${timestamp(row.queuedMs)},${NULL},${NULL},${row.status},${NULL},${NULL},${NULL},${NULL},${NULL},${NULL},${NULL},${NULL},${NULL},0,0,0,0,0,0,0,0,0`
    }
    const {cls, seconds} = row
    const compute = Math.ceil((seconds / 60) * cls.rate)
    const dlc = random() < 0.1 ? Math.round(random() * 200) : 0
    const storage = Math.round(compute * random() * 0.15)
    const network = random() < 0.05 ? Math.round(random() * 20) : 0
    const total = compute + dlc + storage + network
    const hasUtilisation = cls.executor !== 'runner' && random() < 0.6
    const medianCpu = Math.round(5 + random() * 70)
    const medianRam = Math.round(5 + random() * 60)
    const utilisation = hasUtilisation
      ? [medianCpu, Math.min(100, medianCpu + Math.round(random() * 40)), medianRam, Math.min(100, medianRam + Math.round(random() * 30))]
      : [NULL, NULL, NULL, NULL]
    return [base, row.name, String(2000000 + counter + index), uuid(random), row.date, timestamp(row.queuedMs),
      timestamp(row.startedMs), timestamp(row.stoppedMs), row.status, cls.name, cls.os, cls.executor, '1', String(seconds),
      ...utilisation.map(String), String(compute), String(dlc), '0', String(storage), String(network), '0', '0', '0',
      String(total)].join(',')
  })
  return {lines, stoppedMs: clockMs}
}

export async function generate(options) {
  const random = rng(options.seed)
  const large = options.projects > 0 || options.branches > 0 || options.jobs > 0 || options.runners > 0 || options.longNames
  const world = large ? buildLargeWorld(random, options) : buildWorld(random)
  const pickProject = weightedPicker(random, world.projects, (p) => p.weight)
  const pickOutcome = weightedPicker(random, STATUS_OUTCOMES, (s) => s[1])
  const pickTrigger = weightedPicker(random, TRIGGERS, (t) => t[1])
  const endMs = Date.parse(`${options.end}T00:00:00Z`) + 86400000
  const windowMs = options.days * 86400000
  const targetBytes = options.mb * 1024 * 1024
  const partCount = Math.max(1, options.parts)
  const out = resolve(options.out)
  const paths = options.parts > 0
    ? Array.from({length: partCount}, (_, i) => join(out, `part-${String(i).padStart(3, '0')}.csv${options.gzip ? '.gz' : ''}`))
    : [out]
  mkdirSync(options.parts > 0 ? out : dirname(out), {recursive: true})

  let rows = 0
  let bytes = 0
  let credits = 0
  for (const [index, path] of paths.entries()) {
    const file = createWriteStream(path)
    const sink = options.gzip ? createGzip({level: 1}) : file
    if (options.gzip) sink.pipe(file)
    const partTarget = (targetBytes * (index + 1)) / partCount
    let chunk = HEADER + '\n'
    bytes += chunk.length
    while (bytes < partTarget) {
      for (const row of makePipeline(random, pickProject, pickOutcome, pickTrigger, endMs - windowMs, windowMs, rows, world.large)) {
        const line = row + '\n'
        credits += Number(row.slice(row.lastIndexOf(',') + 1))
        chunk += line
        bytes += line.length
        rows++
      }
      if (chunk.length > 1 << 20) {
        if (!sink.write(chunk)) await once(sink, 'drain')
        chunk = ''
      }
    }
    sink.end(chunk)
    await once(file, 'close')
  }
  return {files: paths, rows, bytes, credits}
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('bench/generate.js')) {
  const options = parseArgs(process.argv.slice(2))
  const started = performance.now()
  const result = await generate(options)
  const seconds = (performance.now() - started) / 1000
  process.stdout.write(JSON.stringify({...result, seconds: Number(seconds.toFixed(1))}) + '\n')
}
