#!/usr/bin/env node
/**
 * Report benchmark: generates (or reuses) a realistic export of BENCH_MB megabytes (default 1000), runs
 * `node bin/run.js report` on it as a child process, samples the child's peak RSS (VmHWM in /proc) and
 * prints rows, MB, seconds, rows/s, MB/s and peak RSS. Run `npm run build` first (npm run bench does).
 *
 *   BENCH_MB=100 node bench/report.js          BENCH_GZIP_PARTS=4 also benchmarks the raw gzip parts
 *   CCI_USAGE_PROFILE=1 node bench/report.js   also prints the CLI's phase timings
 *
 * The export benchmark (the CLI end to end against zcat of the same gzip parts) is bench/export.js.
 */
import {spawn} from 'node:child_process'
import {existsSync, readFileSync, statSync} from 'node:fs'
import {mkdir, readFile, rm} from 'node:fs/promises'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {generate} from './generate.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const outDir = join(root, 'bench', 'out')
const mb = Number(process.env.BENCH_MB ?? 1000)
const gzipParts = Number(process.env.BENCH_GZIP_PARTS ?? 0)

async function ensureExport(options) {
  const meta = `${options.out}.meta.json`
  if (existsSync(meta)) return JSON.parse(readFileSync(meta, 'utf8'))
  process.stderr.write(`Generating ${options.mb} MB export at ${options.out} ...\n`)
  const result = await generate({days: 14, end: '2024-11-18', seed: 42, parts: 0, gzip: false, ...options})
  await import('node:fs/promises').then((fs) => fs.writeFile(meta, JSON.stringify(result)))
  return result
}

function peakRss(pid) {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) * 1024 : 0
  } catch {
    return 0
  }
}

/** User + system CPU seconds of the process so far (all threads): steadier than wall time on a shared machine. */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return 0
  }
}

async function runReport(label, inputs, bytes, expected) {
  const reportDir = join(outDir, `report-${label}`)
  await rm(reportDir, {recursive: true, force: true})
  await mkdir(reportDir, {recursive: true})
  const args = [join(root, 'bin', 'run.js'), 'report', ...inputs.flatMap((input) => ['--input', input]), '--out', reportDir, '--format', 'json', '--group-by', 'job,branch,day']
  const started = performance.now()
  const child = spawn(process.execPath, args, {stdio: ['ignore', 'ignore', 'pipe']})
  let peak = 0
  let cpu = 0
  // VmHWM is the kernel's own high-water mark, so sampling only has to catch the process before it exits; CPU
  // time is the last sample (up to 50 ms short).
  const timer = setInterval(() => {
    peak = Math.max(peak, peakRss(child.pid))
    cpu = Math.max(cpu, cpuSeconds(child.pid))
  }, 50)
  let stderr = ''
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const code = await new Promise((resolve) => child.on('exit', (exitCode) => resolve(exitCode)))
  clearInterval(timer)
  const seconds = (performance.now() - started) / 1000
  if (code !== 0) throw new Error(`report exited ${code}: ${stderr.trim()}`)
  // CCI_USAGE_PROFILE=1 (inherited by the child) makes the CLI print `phase: ...` timings on stderr.
  for (const line of stderr.split('\n')) if (line.startsWith('phase: ')) process.stderr.write(`${line}\n`)
  const summary = JSON.parse(await readFile(join(reportDir, 'summary.json'), 'utf8'))
  const exact = summary.totals.rows === expected.rows && summary.totals.credits.total === expected.credits
  const figures = {
    case: label,
    rows: summary.totals.rows,
    mb: Number((bytes / 1024 / 1024).toFixed(1)),
    seconds: Number(seconds.toFixed(2)),
    rowsPerSecond: Math.round(summary.totals.rows / seconds),
    mbPerSecond: Number((bytes / 1024 / 1024 / seconds).toFixed(1)),
    peakRssMb: Number((peak / 1024 / 1024).toFixed(0)),
    cpuSeconds: Number(cpu.toFixed(2)),
    totalsMatchGenerator: exact,
    load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  }
  process.stdout.write(JSON.stringify(figures) + '\n')
  if (!exact) process.exitCode = 1
}

await mkdir(outDir, {recursive: true})
const csv = join(outDir, `usage-${mb}mb.csv`)
const generated = await ensureExport({mb, out: csv})
await runReport(`csv-${mb}mb`, [csv], statSync(csv).size, generated)
if (gzipParts > 0) {
  const partsDir = join(outDir, `parts-${mb}mb`)
  const parts = await ensureExport({mb, out: partsDir, parts: gzipParts, gzip: true})
  await runReport(`gzip-parts-${mb}mb`, [partsDir], parts.bytes, parts)
}
