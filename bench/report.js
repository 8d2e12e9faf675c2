#!/usr/bin/env node
/**
 * Report benchmark (issue 15): generates (or reuses) a realistic export of BENCH_MB megabytes (default 1000) with
 * bench/generate.js, then runs, BENCH_RUNS times each (default 3) and alternating so that a change of load hits
 * both alike, `node bin/run.js report` on it and its baseline in the same run: DuckDB alone reading the same file
 * and summing TOTAL_CREDITS by project (bench/duckdb-baseline.js). Every run is measured as a child process: wall
 * seconds, CPU seconds (user + system: steadier than wall time on a shared machine), peak RSS (VmHWM), and the
 * load average. Prints one JSON line per run, then per case min / median / max, then the ratios against the
 * targets. Run `npm run build` first (npm run bench does).
 *
 *   node bench/report.js                               1 GB: report vs DuckDB baseline (target 1.7x, < 400 MB)
 *   BENCH_MB=100 BENCH_RUNS=1 node bench/report.js     a quick check that everything works
 *   BENCH_HEALTH=compare node bench/report.js          the health section's cost: the report without it
 *                                                      (CCI_USAGE_HEALTH=0) and with it (issue 13: at most +15 %)
 *   BENCH_MB=4000 BENCH_SCALE_FROM=1000 node bench/report.js
 *                                                      linear scale: the 4 GB report against the 1 GB one
 *                                                      (target 4.2x, < 450 MB)
 *   BENCH_MB=10000 BENCH_RUNS=1 BENCH_BASELINE=off BENCH_DELETE=1 node bench/report.js
 *                                                      one 10 GB run, the export deleted afterwards (~10 GB of disk)
 *   BENCH_GZIP_PARTS=4 node bench/report.js            also the report on the same rows as 4 gzip parts
 *   CCI_USAGE_PROFILE=1 node bench/report.js           also the CLI's phases (wall and CPU), =sql every statement
 *
 * Other switches: BENCH_BASELINE=off skips the baseline; BENCH_HEALTH=off runs the report without health only;
 * BENCH_CLI=/path/to/bin/run.js times another build (e.g. the base commit bench/same-figures.js builds in $TMPDIR).
 * CCI_USAGE_THREADS / CCI_USAGE_MEMORY_LIMIT pass through to the report. The export benchmark (the CLI end to end against zcat of the same gzip parts) is bench/export.js.
 */
import {existsSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {mkdir, readFile, rm} from 'node:fs/promises'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {generate} from './generate.js'
import {loadAverage, measureNode} from './measure.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const outDir = join(root, 'bench', 'out')
const mb = Number(process.env.BENCH_MB ?? 1000)
const scaleFrom = process.env.BENCH_SCALE_FROM ? Number(process.env.BENCH_SCALE_FROM) : null
const gzipParts = Number(process.env.BENCH_GZIP_PARTS ?? 0)
const healthMode = process.env.BENCH_HEALTH ?? 'on'
const withBaseline = (process.env.BENCH_BASELINE ?? 'on') !== 'off'
const deleteAfter = process.env.BENCH_DELETE === '1'
const rounds = Number(process.env.BENCH_RUNS ?? 3)
// Another build's CLI (e.g. a base commit's, as bench/same-figures.js builds it) to time instead of this checkout's.
const cli = process.env.BENCH_CLI ? resolve(process.env.BENCH_CLI) : join(root, 'bin', 'run.js')
if (!['on', 'off', 'compare'].includes(healthMode)) throw new Error(`BENCH_HEALTH=${healthMode}: use on, off or compare`)
if (!(rounds >= 1)) throw new Error(`BENCH_RUNS=${process.env.BENCH_RUNS}: give a number of runs >= 1`)

const TARGETS = {baselineRatio: 1.7, peakRssMb: 400, healthCost: 1.15, scaleRatio: 4.2, scalePeakRssMb: 450}

async function ensureExport(options) {
  const meta = `${options.out}.meta.json`
  if (existsSync(meta)) return JSON.parse(readFileSync(meta, 'utf8'))
  process.stderr.write(`Generating ${options.mb} MB export at ${options.out} ...\n`)
  const result = await generate({days: 14, end: '2024-11-18', seed: 42, parts: 0, gzip: false, ...options})
  writeFileSync(meta, JSON.stringify(result))
  return result
}

function printRun(figures) {
  process.stdout.write(JSON.stringify(figures) + '\n')
  return figures
}

/** One `report` run; its totals must equal the generator's (else the bench exits 1). */
async function runReport(label, inputs, bytes, expected, health = healthMode !== 'off') {
  const reportDir = join(outDir, `report-${label}`)
  await rm(reportDir, {recursive: true, force: true})
  await mkdir(reportDir, {recursive: true})
  const args = [cli, 'report', ...inputs.flatMap((input) => ['--input', input]), '--out', reportDir, '--format', 'json', '--group-by', 'job,branch,day']
  const env = {...process.env, CCI_USAGE_HEALTH: health ? '1' : '0'}
  const loadBefore = loadAverage()
  const {code, seconds, peakBytes, cpuSeconds, stderr} = await measureNode(args, {env})
  if (code !== 0) throw new Error(`report exited ${code}: ${stderr.trim()}`)
  // CCI_USAGE_PROFILE=1 (inherited by the child) makes the CLI print `phase: ...` timings on stderr.
  for (const line of stderr.split('\n')) if (/^(phase|sql|profile): /.test(line)) process.stderr.write(`${line}\n`)
  const summary = JSON.parse(await readFile(join(reportDir, 'summary.json'), 'utf8'))
  const exact = summary.totals.rows === expected.rows && summary.totals.credits.total === expected.credits
  if (!exact) process.exitCode = 1
  if (health && summary.health === null) throw new Error('the report ran without its health section (is CCI_USAGE_HEALTH set?)')
  await rm(reportDir, {recursive: true, force: true})
  return printRun({
    case: label,
    health,
    rows: summary.totals.rows,
    mb: Number((bytes / 1048576).toFixed(1)),
    seconds: Number(seconds.toFixed(2)),
    cpuSeconds: Number(cpuSeconds.toFixed(2)),
    peakRssMb: Math.round(peakBytes / 1048576),
    rowsPerSecond: Math.round(summary.totals.rows / seconds),
    mbPerSecond: Number((bytes / 1048576 / seconds).toFixed(1)),
    totalsMatchGenerator: exact,
    loadBefore,
    loadAfter: loadAverage(),
  })
}

/** One baseline run on the same file; its row count and credits must equal the generator's too. */
async function runBaseline(label, file, bytes, expected) {
  const loadBefore = loadAverage()
  const {code, seconds, peakBytes, cpuSeconds, stdout, stderr} = await measureNode([join(root, 'bench', 'duckdb-baseline.js'), file])
  if (code !== 0) throw new Error(`baseline exited ${code}: ${stderr.trim()}`)
  const result = JSON.parse(stdout)
  const exact = result.rows === expected.rows && Number(result.credits) === expected.credits
  if (!exact) process.exitCode = 1
  return printRun({
    case: label,
    rows: result.rows,
    mb: Number((bytes / 1048576).toFixed(1)),
    seconds: Number(seconds.toFixed(2)),
    cpuSeconds: Number(cpuSeconds.toFixed(2)),
    peakRssMb: Math.round(peakBytes / 1048576),
    totalsMatchGenerator: exact,
    loadBefore,
    loadAfter: loadAverage(),
  })
}

function spread(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return {min: sorted[0], median: sorted[Math.floor((sorted.length - 1) / 2)], max: sorted[sorted.length - 1]}
}

function describe(label, runs) {
  const figures = {
    case: label,
    runs: runs.length,
    seconds: spread(runs.map((run) => run.seconds)),
    cpuSeconds: spread(runs.map((run) => run.cpuSeconds)),
    peakRssMb: spread(runs.map((run) => run.peakRssMb)),
    load1: spread(runs.flatMap((run) => [run.loadBefore, run.loadAfter].map((load) => Number(load.split(' ')[0])))),
  }
  process.stdout.write(JSON.stringify(figures) + '\n')
  return figures
}

function ratio(a, b) {
  return Number((a / b).toFixed(3))
}

/** The medians of `measured` against those of `reference`, judged by `target` (and a peak RSS limit if given). */
function printRatio(label, measured, reference, target, peakLimit) {
  process.stdout.write(JSON.stringify({
    case: label,
    wallRatio: ratio(measured.seconds.median, reference.seconds.median),
    cpuRatio: ratio(measured.cpuSeconds.median, reference.cpuSeconds.median),
    target,
    met: measured.seconds.median <= reference.seconds.median * target,
    metOnCpu: measured.cpuSeconds.median <= reference.cpuSeconds.median * target,
    ...(peakLimit === undefined ? {} : {peakRssMbMax: measured.peakRssMb.max, peakTarget: peakLimit, peakMet: measured.peakRssMb.max < peakLimit}),
  }) + '\n')
}

/** Runs `steps` (functions returning a run) BENCH_RUNS times, in turn, starting with a different one each round. */
async function alternate(steps) {
  const runs = steps.map(() => [])
  for (let round = 0; round < rounds; round++) {
    for (let offset = 0; offset < steps.length; offset++) {
      const index = (round + offset) % steps.length
      runs[index].push(await steps[index]())
    }
  }
  return runs
}

await mkdir(outDir, {recursive: true})
const csv = join(outDir, `usage-${mb}mb.csv`)
const generated = await ensureExport({mb, out: csv})
const bytes = statSync(csv).size
const created = [csv]

if (healthMode === 'compare') {
  const [off, on] = await alternate([
    () => runReport(`csv-${mb}mb-health-off`, [csv], bytes, generated, false),
    () => runReport(`csv-${mb}mb-health-on`, [csv], bytes, generated, true),
  ])
  const a = describe(`csv-${mb}mb-health-off`, off)
  const b = describe(`csv-${mb}mb-health-on`, on)
  printRatio(`csv-${mb}mb-health-cost`, b, a, TARGETS.healthCost)
} else if (scaleFrom !== null) {
  const small = join(outDir, `usage-${scaleFrom}mb.csv`)
  const smallGenerated = await ensureExport({mb: scaleFrom, out: small})
  const [few, many] = await alternate([
    () => runReport(`csv-${scaleFrom}mb`, [small], statSync(small).size, smallGenerated),
    () => runReport(`csv-${mb}mb`, [csv], bytes, generated),
  ])
  const a = describe(`csv-${scaleFrom}mb`, few)
  const b = describe(`csv-${mb}mb`, many)
  printRatio(`scale-${scaleFrom}mb-to-${mb}mb (${ratio(bytes, statSync(small).size)}x the bytes)`, b, a, TARGETS.scaleRatio, TARGETS.scalePeakRssMb)
} else {
  const steps = [() => runReport(`csv-${mb}mb`, [csv], bytes, generated)]
  if (withBaseline) steps.push(() => runBaseline(`duckdb-baseline-${mb}mb`, csv, bytes, generated))
  const [reports, baselines] = await alternate(steps)
  const report = describe(`csv-${mb}mb`, reports)
  if (baselines) {
    const baseline = describe(`duckdb-baseline-${mb}mb`, baselines)
    printRatio(`csv-${mb}mb-vs-duckdb-baseline`, report, baseline, TARGETS.baselineRatio, TARGETS.peakRssMb)
  }
}

if (gzipParts > 0) {
  const partsDir = join(outDir, `parts-${mb}mb`)
  const parts = await ensureExport({mb, out: partsDir, parts: gzipParts, gzip: true})
  created.push(partsDir)
  const [runs] = await alternate([() => runReport(`gzip-parts-${mb}mb`, [partsDir], parts.bytes, parts)])
  describe(`gzip-parts-${mb}mb`, runs)
}

if (deleteAfter) {
  for (const path of created) {
    rmSync(path, {recursive: true, force: true})
    rmSync(`${path}.meta.json`, {force: true})
  }
}
