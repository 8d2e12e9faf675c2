#!/usr/bin/env node
/**
 * History benchmark (issue 11): with 52 weeks of history of an organization exporting BENCH_MB megabytes a week
 * (default 1000), how much does the weekly run's report cost next to the report of the week alone, and how big is
 * the history next to the CSV it summarises? Run `npm run build` first; it reads dist/.
 *
 * 1. generates one week of export with bench/generate.js (bench/out/history-week-<MB>mb.csv, reused);
 * 2. stores its rollup (the history stage of one run) and measures rollup bytes / CSV bytes;
 * 3. replicates that week's rollup 51 times with shifted dates into a 52-week history (history.json included);
 * 4. times, BENCH_RUNS times each, alternating: the report of the week alone, and the same report with the
 *    history (storing the week into a fresh copy of the 51-week history, then trend, forecast and anomalies over
 *    52 weeks). Both as `run` makes them after its export (savings, charts, HTML): bench/history-child.js.
 *
 *   BENCH_MB=50 node bench/history.js            a quick check that it works
 *   node bench/history.js                         the 1 GB figures (takes minutes; measure on a quiet machine)
 */
import {createHash} from 'node:crypto'
import {existsSync, readFileSync, statSync} from 'node:fs'
import {cp, mkdir, readdir, rm, stat, writeFile} from 'node:fs/promises'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

import {DuckDBInstance} from '@duckdb/node-api'

import {generate} from './generate.js'
import {loadAverage, measureNode} from './measure.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const outDir = join(root, 'bench', 'out')
const mb = Number(process.env.BENCH_MB ?? 1000)
const runs = Number(process.env.BENCH_RUNS ?? 3)
const WEEKS = 52
const SINCE = '2024-11-11'
const UNTIL = '2024-11-17'
const child = join(root, 'bench', 'history-child.js')
const load = (path) => import(pathToFileURL(join(root, 'dist', path)).href)
const {HISTORY_FILE, HISTORY_SCHEMA_VERSION} = await load('history/store.js')
const {dailySql} = await load('history/rollup.js')

async function folderBytes(dir) {
  let total = 0
  for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size
  return total
}

async function runChild(mode, csv, label, historyDir) {
  const out = join(outDir, `history-report-${label}`)
  await rm(out, {recursive: true, force: true})
  await mkdir(out, {recursive: true})
  const result = await measureNode([child, mode, csv, out, SINCE, UNTIL, ...(historyDir ? [historyDir] : [])])
  if (result.code !== 0) throw new Error(`${mode} report exited ${result.code}: ${result.stderr.trim()}`)
  return {...result, summary: JSON.parse(result.stdout.trim().split('\n').at(-1))}
}

/** The week's rollup copied to the 51 weeks before it, one file per month, and a history.json naming them. */
async function replicate(weekHistory, target) {
  const manifest = JSON.parse(readFileSync(join(weekHistory, HISTORY_FILE), 'utf8'))
  const files = manifest.parts.map((part) => `'${join(weekHistory, part.rollup.file)}'`)
  await rm(target, {recursive: true, force: true})
  await mkdir(target, {recursive: true})
  const instance = await DuckDBInstance.create(':memory:', {threads: '2', memory_limit: '1GB'})
  const connection = await instance.connect()
  const shifted = `SELECT * EXCLUDE (k) REPLACE (JOB_RUN_DATE - CAST(7 * k AS INTEGER) AS JOB_RUN_DATE) FROM read_parquet([${files.join(', ')}]), range(1, ${WEEKS}) AS weeks(k)`
  await connection.run(`CREATE TABLE earlier AS ${shifted}`)
  const months = (await connection.runAndReadAll(`SELECT DISTINCT strftime(JOB_RUN_DATE, '%Y-%m') AS month FROM earlier ORDER BY 1`)).getRowObjects().map((row) => String(row.month))
  const history = {schemaVersion: HISTORY_SCHEMA_VERSION, tool: 'cci-usage', organizations: ['bench-orgs'], days: {}, parts: [], lastUpdate: null, updatedAt: new Date().toISOString()}
  const write = async (file, select) => {
    const path = join(target, file)
    await connection.run(`COPY (${select}) TO '${path}' (FORMAT parquet, COMPRESSION zstd)`)
    const rows = Number((await connection.runAndReadAll(`SELECT COUNT(*) AS n FROM read_parquet('${path}')`)).getRowObjects()[0].n)
    // With its SHA-256, as a run stores it: the run checks every file's digest before it reads the history.
    return {file, rows, bytes: statSync(path).size, sha256: createHash('sha256').update(readFileSync(path)).digest('hex')}
  }
  for (const month of months) {
    const rollup = await write(`rollup-${month}-${'0'.repeat(8)}.parquet`, `SELECT * FROM earlier WHERE strftime(JOB_RUN_DATE, '%Y-%m') = '${month}'`)
    const daily = await write(`daily-${month}-${'0'.repeat(8)}.parquet`, dailySql(`read_parquet('${join(target, rollup.file)}')`))
    history.parts.push({month, final: true, rollup, daily})
  }
  const first = Date.parse(`${SINCE}T00:00:00Z`) - (WEEKS - 1) * 7 * 86_400_000
  for (let t = first; t < Date.parse(`${SINCE}T00:00:00Z`); t += 86_400_000) {
    history.days[new Date(t).toISOString().slice(0, 10)] = {final: true, fetchedAt: `${SINCE}T06:00:00.000Z`}
  }
  await writeFile(join(target, HISTORY_FILE), JSON.stringify(history, null, 2))
  connection.closeSync()
  instance.closeSync()
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

await mkdir(outDir, {recursive: true})
const csv = join(outDir, `history-week-${mb}mb.csv`)
if (!existsSync(`${csv}.meta.json`)) {
  process.stderr.write(`Generating one week of ${mb} MB at ${csv} ...\n`)
  const generated = await generate({mb, days: 7, end: UNTIL, seed: 42, parts: 0, gzip: false, out: csv})
  await writeFile(`${csv}.meta.json`, JSON.stringify(generated))
}
const csvBytes = statSync(csv).size

// 2. The week's own rollup, as one run stores it.
const weekHistory = join(outDir, `history-week-${mb}mb.history`)
await rm(weekHistory, {recursive: true, force: true})
const first = await runChild('history', csv, 'seed', weekHistory)
const weekRollupBytes = await folderBytes(weekHistory)

// 3. Fifty-one earlier weeks.
const earlier = join(outDir, `history-51-weeks-${mb}mb`)
process.stderr.write(`Replicating the week's rollup into ${WEEKS - 1} earlier weeks ...\n`)
await replicate(weekHistory, earlier)

// 4. Alternating runs, each with a fresh copy of the 51-week history.
const plain = []
const withHistory = []
let historyBytes = 0
for (let run = 0; run < runs; run++) {
  plain.push(await runChild('plain', csv, 'plain'))
  const copy = join(outDir, `history-52-weeks-${mb}mb`)
  await rm(copy, {recursive: true, force: true})
  await cp(earlier, copy, {recursive: true})
  const result = await runChild('history', csv, 'history', copy)
  if (result.summary.credits !== plain.at(-1).summary.credits) throw new Error('the two reports disagree on the week\'s credits')
  if (result.summary.weeks !== WEEKS) throw new Error(`the trend has ${result.summary.weeks} weeks, not ${WEEKS}`)
  withHistory.push(result)
  historyBytes = await folderBytes(copy)
}

const figures = (list) => ({
  seconds: list.map((result) => Number(result.seconds.toFixed(2))),
  medianSeconds: Number(median(list.map((result) => result.seconds)).toFixed(2)),
  medianCpuSeconds: Number(median(list.map((result) => result.cpuSeconds)).toFixed(2)),
  medianPeakRssMb: Math.round(median(list.map((result) => result.peakBytes)) / 1024 / 1024),
})
const report = {
  mbPerWeek: Number((csvBytes / 1024 / 1024).toFixed(1)),
  weekRows: first.summary.rows,
  weekRollupBytes,
  weekRollupShareOfCsv: `${((weekRollupBytes / csvBytes) * 100).toFixed(2)}%`,
  historyWeeks: WEEKS,
  historyBytes,
  historyShareOfCsv: `${((historyBytes / (WEEKS * csvBytes)) * 100).toFixed(2)}% (limit 5%)`,
  reportAlone: figures(plain),
  reportWithHistory: figures(withHistory),
  costFactor: `${(median(withHistory.map((result) => result.seconds)) / median(plain.map((result) => result.seconds))).toFixed(2)}x wall, ${(median(withHistory.map((result) => result.cpuSeconds)) / median(plain.map((result) => result.cpuSeconds))).toFixed(2)}x CPU (limit 1.5x)`,
  runs,
  load: loadAverage(),
}
process.stdout.write(JSON.stringify(report, null, 2) + '\n')
