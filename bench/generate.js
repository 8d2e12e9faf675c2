#!/usr/bin/env node
/**
 * Generates a realistic CircleCI usage export of a given size for benchmarks: the real dialect (48 UPPER_CASE
 * columns, unquoted, LF, `\\N` nulls, millisecond UTC timestamps), a long tail of projects, job-less rows,
 * realistic statuses, resource classes and credit rates. Deterministic for a given --seed.
 *
 *   node bench/generate.js --mb 1000 [--out bench/out/usage-1000mb.csv] [--days 14] [--end 2024-11-18]
 *                          [--parts N --gzip]   (N gzip parts named part-000.csv.gz ... in a folder, like a raw export)
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
const STATUSES = [['success', 76], ['failed', 6], ['canceled', 12], ['blocked', 4], ['running', 1], ['queued', 1]]
const TRIGGERS = [['webhook', 70], ['scheduled_pipeline', 15], ['api', 10], ['explicit', 5]]
const WORDS = ['api', 'web', 'core', 'billing', 'search', 'mobile', 'infra', 'auth', 'data', 'ml', 'docs', 'admin', 'edge',
  'gateway', 'ledger', 'notify', 'ingest', 'etl', 'cli', 'sdk', 'ui', 'payments', 'catalog', 'orders', 'metrics']
const JOBS = ['build', 'test', 'lint', 'unit-tests', 'integration-tests', 'e2e', 'deploy', 'package', 'publish', 'security-scan',
  'typecheck', 'docker-build', 'migrate', 'smoke-test', 'release']
const WORKFLOWS = ['build-test-deploy', 'ci', 'nightly', 'release', 'pr-checks', 'main']

function parseArgs(argv) {
  const args = {mb: Number(process.env.BENCH_MB ?? 1000), days: 14, end: '2024-11-18', seed: 42, parts: 0, gzip: false, out: ''}
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
    else throw new Error(`Unknown argument ${flag}; see the comment at the top of bench/generate.js`)
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
      url: `https://github.com/${org.name}/${name}`,
    })
  }
  return {orgs, projects}
}

function makeRow(random, world, pickProject, pickStatus, pickTrigger, windowStartMs, windowMs, counter) {
  const project = pickProject()
  const startMs = windowStartMs + Math.floor(random() * windowMs)
  const branch = project.branches[random() < 0.5 ? 0 : Math.floor(random() * project.branches.length)]
  const pipeline = uuid(random)
  const workflow = project.workflows[Math.floor(random() * project.workflows.length)]
  const trigger = pickTrigger()[0]
  const registeredUser = trigger === 'scheduled_pipeline' ? NULL : uuid(random)
  const base = [
    project.org.id, project.org.name, project.org.created, project.id, project.name, '2021-03-01',
    timestamp(startMs + 86400000), 'github', project.url, branch, pipeline, timestamp(startMs - 30000),
    String(10000 + counter), random() < 0.3 ? 'true' : 'false', trigger, registeredUser, uuid(random), workflow,
  ]
  // About 18 % of rows describe a workflow with no job run (JOB_NAME null), always with 0 credits.
  if (random() < 0.18) {
    return [...base, timestamp(startMs), timestamp(startMs + 1000), timestamp(startMs + 60000), 'false',
      NULL, NULL, NULL, startMs ? new Date(startMs).toISOString().slice(0, 10) : NULL, NULL, NULL, NULL, 'blocked',
      NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '0', '0', '0', '0', '0', '0', '0', '0', '0'].join(',')
  }
  const jobIndex = Math.floor(random() * project.jobs.length)
  const cls = project.classes[jobIndex]
  const status = pickStatus()[0]
  const seconds = Math.max(1, Math.round(Math.exp(4 + random() * 2.5 + (random() - 0.5))))
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
  return [...base, timestamp(startMs), timestamp(startMs + 2000), timestamp(startMs + seconds * 1000 + 5000),
    status === 'failed' ? 'false' : 'true', project.jobs[jobIndex], String(2000000 + counter), uuid(random),
    new Date(startMs).toISOString().slice(0, 10), timestamp(startMs), timestamp(startMs + 2000),
    timestamp(startMs + 2000 + seconds * 1000), status, cls.name, cls.os, cls.executor, '1', String(seconds),
    ...utilisation.map(String), String(compute), String(dlc), '0', String(storage), String(network), '0', '0', '0',
    String(total)].join(',')
}

export async function generate(options) {
  const random = rng(options.seed)
  const world = buildWorld(random)
  const pickProject = weightedPicker(random, world.projects, (p) => p.weight)
  const pickStatus = weightedPicker(random, STATUSES, (s) => s[1])
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
      const line = makeRow(random, world, pickProject, pickStatus, pickTrigger, endMs - windowMs, windowMs, rows) + '\n'
      credits += Number(line.slice(line.lastIndexOf(',', line.length - 2) + 1, -1))
      chunk += line
      bytes += line.length
      rows++
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
