#!/usr/bin/env node
/**
 * Export benchmark, side by side in one run on the same BENCH_PARTS (default 4) gzip parts of BENCH_MB (default
 * 1000) megabytes of CSV:
 *
 *   baseline  `zcat part-000.csv.gz ... > zcat.csv` through a shell: one decompression, no checks;
 *   export    the real CLI end to end, `node bin/run.js export --host <fake API>`: one export job whose parts are
 *             ready at once, served from disk by a minimal Usage API on 127.0.0.1 started by this script
 *             (POST a job, GET it completed with its links, GET each part with its Content-Length).
 *
 * BENCH_RUNS (default 3) rounds, alternating baseline and export so both see the same load. Each line gives wall
 * seconds, CPU seconds (user + system of the child and its children) and peak RSS; the summary line gives
 * min / median / max, the ratio of medians and the load average, since the machine may be shared. The first
 * export's usage.csv is compared byte for byte with the parts' rows (one header); every run's rows and size are
 * checked against the generator. Also measures `node bin/run.js --version` (CLI start, BENCH_START_RUNS times).
 * BENCH_CLI=/path/to/other/checkout/bin/run.js measures another build the same way (before/after comparisons).
 *
 *   npm run build && BENCH_MB=200 node bench/export.js
 */
import {spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {createReadStream, existsSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {mkdir, readdir, readFile, rm} from 'node:fs/promises'
import {createServer} from 'node:http'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {createGunzip} from 'node:zlib'

import {generate} from './generate.js'
import {loadAverage, peakRss} from './measure.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const outDir = join(root, 'bench', 'out')
const mb = Number(process.env.BENCH_MB ?? 1000)
const partCount = Number(process.env.BENCH_PARTS ?? 4)
const runs = Number(process.env.BENCH_RUNS ?? 3)
const startRuns = Number(process.env.BENCH_START_RUNS ?? 5)
const partsDir = join(outDir, `parts-${mb}mb`)
const meta = `${partsDir}.meta.json`
const TOKEN = 'bench-token'
const ORG = 'bench-org'
const HAVE_TIME = existsSync('/usr/bin/time')
const cli = resolve(process.env.BENCH_CLI ?? join(root, 'bin', 'run.js'))

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
const spread = (values, digits = 2) => values.length === 0 ? null : [Math.min(...values), median(values), Math.max(...values)].map((v) => Number(v.toFixed(digits)))

/** The Usage API as far as `export` needs it: every job completes at once with links to the same parts. */
async function startFakeApi(partFiles) {
  let origin = ''
  let jobs = 0
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const json = (status, body) => {
      const text = JSON.stringify(body)
      res.writeHead(status, {'content-type': 'application/json', 'content-length': Buffer.byteLength(text)})
      res.end(text)
    }
    const part = /^\/parts\/(\d+)$/.exec(url.pathname)
    if (part && req.method === 'GET') {
      const file = partFiles[Number(part[1])]
      if (!file) return json(404, {message: 'no such part'})
      res.writeHead(200, {'content-type': 'application/gzip', 'content-length': statSync(file).size})
      createReadStream(file, {highWaterMark: 1 << 20}).pipe(res)
      return
    }
    if (req.headers['circle-token'] !== TOKEN) return json(401, {message: 'Invalid token provided.'})
    const jobPath = /^\/api\/v2\/organizations\/[^/]+\/usage_export_job(?:\/([^/]+))?$/.exec(url.pathname)
    if (!jobPath) return json(404, {message: 'Not found.'})
    if (req.method === 'POST' && !jobPath[1]) {
      req.resume()
      req.on('end', () => json(201, {usage_export_job_id: `bench-job-${++jobs}`, state: 'created'}))
      return
    }
    if (req.method === 'GET' && jobPath[1]) {
      return json(200, {
        usage_export_job_id: jobPath[1],
        state: 'completed',
        download_urls: partFiles.map((_, index) => `${origin}/parts/${index}?signature=bench`),
      })
    }
    json(404, {message: 'Not found.'})
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${server.address().port}`
  return {origin, close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve)))}
}

/**
 * Runs a command and returns wall seconds, CPU seconds and peak RSS. With GNU time (`/usr/bin/time`), CPU and
 * peak RSS are the kernel's own figures for the child and what it waited for; without it, /proc is sampled.
 */
async function measure(command, args, options = {}) {
  const timeFile = join(outDir, `time-${process.pid}.txt`)
  const [file, argv] = HAVE_TIME ? ['/usr/bin/time', ['-f', '%U %S %M', '-o', timeFile, command, ...args]] : [command, args]
  const started = performance.now()
  const child = spawn(file, argv, {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, ...options.env}})
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  let sampledCpu = 0
  let sampledPeak = 0
  const timer = HAVE_TIME ? undefined : setInterval(() => {
    try {
      sampledPeak = Math.max(sampledPeak, peakRss(child.pid))
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ')
      sampledCpu = Math.max(sampledCpu, (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100)
    } catch {
      // The child has just exited.
    }
  }, 50)
  const code = await new Promise((resolve) => child.on('close', resolve))
  const seconds = (performance.now() - started) / 1000
  clearInterval(timer)
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`)
  let cpuSeconds = sampledCpu
  let peakRssMb = sampledPeak / 1024 / 1024
  if (HAVE_TIME) {
    const [user, system, maxKb] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1).split(' ').map(Number)
    await rm(timeFile, {force: true})
    cpuSeconds = user + system
    peakRssMb = maxKb / 1024
  }
  return {seconds, cpuSeconds, peakRssMb, stdout, stderr}
}

/** SHA-256 of the rows of all parts behind one header: what usage.csv must be, byte for byte. */
async function expectedDigest(partFiles) {
  const hash = createHash('sha256')
  for (const [index, file] of partFiles.entries()) {
    let headerDone = index === 0
    for await (const chunk of createReadStream(file).pipe(createGunzip())) {
      if (headerDone) {
        hash.update(chunk)
        continue
      }
      const lineEnd = chunk.indexOf(10)
      if (lineEnd === -1) continue
      headerDone = true
      hash.update(chunk.subarray(index === 0 ? 0 : lineEnd + 1))
    }
  }
  return hash.digest('hex')
}

async function fileDigest(path) {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path, {highWaterMark: 1 << 20})) hash.update(chunk)
  return hash.digest('hex')
}

await mkdir(outDir, {recursive: true})
let generated
if (existsSync(meta)) {
  generated = JSON.parse(readFileSync(meta, 'utf8'))
} else {
  process.stderr.write(`Generating ${mb} MB as ${partCount} gzip parts in ${partsDir} ...\n`)
  generated = await generate({mb, out: partsDir, parts: partCount, gzip: true, days: 14, end: '2024-11-18', seed: 42})
  writeFileSync(meta, JSON.stringify(generated))
}
const partFiles = (await readdir(partsDir)).filter((name) => name.endsWith('.csv.gz')).sort().map((name) => join(partsDir, name))
const gzipBytes = partFiles.reduce((sum, file) => sum + statSync(file).size, 0)
const api = await startFakeApi(partFiles)
const zcatOut = join(outDir, `zcat-${mb}mb.csv`)
const exportOut = join(outDir, `export-${mb}mb`)
const quote = (path) => `'${path.replaceAll("'", `'\\''`)}'`
const results = {zcat: [], export: []}
let checked = false
process.stderr.write(`${partFiles.length} parts, ${(gzipBytes / 1024 / 1024).toFixed(1)} MB of gzip, ${mb} MB of CSV, ${generated.rows} rows; load ${loadAverage()}\n`)

try {
  for (let run = 1; run <= runs; run++) {
    await rm(zcatOut, {force: true})
    const loadBefore = loadAverage()
    const zcat = await measure('sh', ['-c', `zcat ${partFiles.map(quote).join(' ')} > ${quote(zcatOut)}`])
    const zcatBytes = statSync(zcatOut).size
    await rm(zcatOut, {force: true})
    results.zcat.push(zcat)
    process.stdout.write(JSON.stringify({case: 'zcat', run, mb: Number((zcatBytes / 1024 / 1024).toFixed(1)), seconds: Number(zcat.seconds.toFixed(2)), cpuSeconds: Number(zcat.cpuSeconds.toFixed(2)), peakRssMb: Math.round(zcat.peakRssMb), load: loadBefore}) + '\n')

    await rm(exportOut, {recursive: true, force: true})
    const exportLoad = loadAverage()
    const exported = await measure(process.execPath, [cli, 'export', '--host', api.origin, '--org-id', ORG, '--days', '14', '--out', exportOut, '--json'], {
      env: {CIRCLECI_API_TOKEN: TOKEN},
    })
    const result = JSON.parse(exported.stdout)
    const csv = join(exportOut, 'usage.csv')
    const bytes = statSync(csv).size
    const header = (await readFile(csv)).subarray(0, 4096).toString('latin1').split('\n')[0].length + 1
    const exact = result.rows === generated.rows && bytes === zcatBytes - (partFiles.length - 1) * header
    let identical
    if (!checked) {
      identical = (await fileDigest(csv)) === (await expectedDigest(partFiles))
      checked = true
    }
    await rm(exportOut, {recursive: true, force: true})
    results.export.push(exported)
    process.stdout.write(JSON.stringify({
      case: 'export', run, rows: result.rows, mb: Number((bytes / 1024 / 1024).toFixed(1)), seconds: Number(exported.seconds.toFixed(2)),
      cpuSeconds: Number(exported.cpuSeconds.toFixed(2)), peakRssMb: Math.round(exported.peakRssMb), rowsMatchGenerator: exact,
      ...(identical === undefined ? {} : {identicalToParts: identical}), load: exportLoad,
      ratio: Number((exported.seconds / zcat.seconds).toFixed(2)),
    }) + '\n')
    if (!exact || identical === false) process.exitCode = 1
  }
  const starts = []
  for (let i = 0; i < startRuns; i++) starts.push((await measure(process.execPath, [cli, '--version'])).seconds)
  const pick = (list, key) => list.map((entry) => entry[key])
  process.stdout.write(JSON.stringify({
    case: 'summary',
    cli,
    mb,
    parts: partFiles.length,
    runs,
    zcatSeconds: spread(pick(results.zcat, 'seconds')),
    exportSeconds: spread(pick(results.export, 'seconds')),
    ratioOfMedians: Number((median(pick(results.export, 'seconds')) / median(pick(results.zcat, 'seconds'))).toFixed(2)),
    zcatCpuSeconds: spread(pick(results.zcat, 'cpuSeconds')),
    exportCpuSeconds: spread(pick(results.export, 'cpuSeconds')),
    zcatPeakRssMb: spread(pick(results.zcat, 'peakRssMb'), 0),
    exportPeakRssMb: spread(pick(results.export, 'peakRssMb'), 0),
    versionSeconds: spread(starts),
    load: loadAverage(),
  }) + '\n')
} finally {
  await api.close()
  await rm(zcatOut, {force: true})
  await rm(exportOut, {recursive: true, force: true})
}
