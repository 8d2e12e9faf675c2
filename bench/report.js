#!/usr/bin/env node
/**
 * Report benchmark: generates (or reuses) a realistic export of BENCH_MB megabytes (default 1000), runs
 * `node bin/run.js report` on it as a child process, samples the child's peak RSS (VmHWM in /proc) and
 * prints rows, MB, seconds, rows/s, MB/s and peak RSS. Run `npm run build` first (npm run bench does).
 *
 *   BENCH_MB=100 node bench/report.js          BENCH_GZIP_PARTS=4 also benchmarks the raw gzip parts
 *   CCI_USAGE_PROFILE=1 node bench/report.js   also prints the CLI's phase timings
 *   BENCH_HEALTH=compare BENCH_RUNS=5 node bench/report.js
 *       the health section's cost (issue 13: at most +15 %): runs the report without it (CCI_USAGE_HEALTH=0) and
 *       with it, alternating, BENCH_RUNS times each on the same file, and prints the medians and their ratio.
 *       BENCH_HEALTH=off runs without it only; the default runs with it, as users do.
 *
 * The export benchmark (the CLI end to end against zcat of the same gzip parts) is bench/export.js.
 */
import {existsSync, readFileSync, statSync} from 'node:fs'
import {mkdir, readFile, rm} from 'node:fs/promises'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {generate} from './generate.js'
import {loadAverage, measureNode} from './measure.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const outDir = join(root, 'bench', 'out')
const mb = Number(process.env.BENCH_MB ?? 1000)
const gzipParts = Number(process.env.BENCH_GZIP_PARTS ?? 0)
const healthMode = process.env.BENCH_HEALTH ?? 'on'
const rounds = Number(process.env.BENCH_RUNS ?? 3)
if (!['on', 'off', 'compare'].includes(healthMode)) throw new Error(`BENCH_HEALTH=${healthMode}: use on, off or compare`)

async function ensureExport(options) {
  const meta = `${options.out}.meta.json`
  if (existsSync(meta)) return JSON.parse(readFileSync(meta, 'utf8'))
  process.stderr.write(`Generating ${options.mb} MB export at ${options.out} ...\n`)
  const result = await generate({days: 14, end: '2024-11-18', seed: 42, parts: 0, gzip: false, ...options})
  await import('node:fs/promises').then((fs) => fs.writeFile(meta, JSON.stringify(result)))
  return result
}

async function runReport(label, inputs, bytes, expected, health = healthMode !== 'off') {
  const reportDir = join(outDir, `report-${label}`)
  await rm(reportDir, {recursive: true, force: true})
  await mkdir(reportDir, {recursive: true})
  const args = [join(root, 'bin', 'run.js'), 'report', ...inputs.flatMap((input) => ['--input', input]), '--out', reportDir, '--format', 'json', '--group-by', 'job,branch,day']
  const env = {...process.env, CCI_USAGE_HEALTH: health ? '1' : '0'}
  const {code, seconds, peakBytes: peak, cpuSeconds: cpu, stderr} = await measureNode(args, {env})
  if (code !== 0) throw new Error(`report exited ${code}: ${stderr.trim()}`)
  // CCI_USAGE_PROFILE=1 (inherited by the child) makes the CLI print `phase: ...` timings on stderr.
  for (const line of stderr.split('\n')) if (line.startsWith('phase: ')) process.stderr.write(`${line}\n`)
  const summary = JSON.parse(await readFile(join(reportDir, 'summary.json'), 'utf8'))
  const exact = summary.totals.rows === expected.rows && summary.totals.credits.total === expected.credits
  const figures = {
    case: label,
    health,
    rows: summary.totals.rows,
    mb: Number((bytes / 1024 / 1024).toFixed(1)),
    seconds: Number(seconds.toFixed(2)),
    rowsPerSecond: Math.round(summary.totals.rows / seconds),
    mbPerSecond: Number((bytes / 1024 / 1024 / seconds).toFixed(1)),
    peakRssMb: Number((peak / 1024 / 1024).toFixed(0)),
    cpuSeconds: Number(cpu.toFixed(2)),
    totalsMatchGenerator: exact,
    load: loadAverage(),
  }
  process.stdout.write(JSON.stringify(figures) + '\n')
  if (!exact) process.exitCode = 1
  if (health && summary.health === null) throw new Error('the report ran without its health section (is CCI_USAGE_HEALTH set?)')
  return figures
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]

/** Without and with the health section, alternating so that a change of load hits both alike. */
async function compareHealth(label, inputs, bytes, expected) {
  const runs = {off: [], on: []}
  for (let round = 0; round < rounds; round++) {
    runs.off.push(await runReport(`${label}-health-off`, inputs, bytes, expected, false))
    runs.on.push(await runReport(`${label}-health-on`, inputs, bytes, expected, true))
  }
  const summary = (list) => ({seconds: median(list.map((run) => run.seconds)), cpuSeconds: median(list.map((run) => run.cpuSeconds)), peakRssMb: median(list.map((run) => run.peakRssMb))})
  const off = summary(runs.off)
  const on = summary(runs.on)
  process.stdout.write(JSON.stringify({
    case: `${label}-health-cost`,
    runsEach: rounds,
    medianSecondsOff: off.seconds,
    medianSecondsOn: on.seconds,
    wallRatio: Number((on.seconds / off.seconds).toFixed(3)),
    cpuRatio: Number((on.cpuSeconds / off.cpuSeconds).toFixed(3)),
    medianPeakRssMbOff: off.peakRssMb,
    medianPeakRssMbOn: on.peakRssMb,
    withinIssue13Budget: on.seconds <= off.seconds * 1.15,
  }) + '\n')
}

await mkdir(outDir, {recursive: true})
const csv = join(outDir, `usage-${mb}mb.csv`)
const generated = await ensureExport({mb, out: csv})
if (healthMode === 'compare') await compareHealth(`csv-${mb}mb`, [csv], statSync(csv).size, generated)
else await runReport(`csv-${mb}mb`, [csv], statSync(csv).size, generated)
if (gzipParts > 0) {
  const partsDir = join(outDir, `parts-${mb}mb`)
  const parts = await ensureExport({mb, out: partsDir, parts: gzipParts, gzip: true})
  await runReport(`gzip-parts-${mb}mb`, [partsDir], parts.bytes, parts)
}
