#!/usr/bin/env node
/**
 * Export merge benchmark: generates BENCH_MB megabytes of usage as BENCH_PARTS gzip parts (like the presigned
 * downloads of one export job), merges them with src/export/merge.ts (built: dist/export/merge.js) and prints
 * rows, MB (uncompressed), seconds, rows/s, MB/s and this process's peak RSS.
 *
 *   npm run build && BENCH_MB=200 node bench/merge.js
 */
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {readdir, rm} from 'node:fs/promises'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {generate} from './generate.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const mb = Number(process.env.BENCH_MB ?? 1000)
const partCount = Number(process.env.BENCH_PARTS ?? 4)
const partsDir = join(root, 'bench', 'out', `parts-${mb}mb`)
const meta = `${partsDir}.meta.json`

const {mergeParts} = await import(join(root, 'dist', 'export', 'merge.js'))
let generated
if (existsSync(meta)) {
  generated = JSON.parse(readFileSync(meta, 'utf8'))
} else {
  process.stderr.write(`Generating ${mb} MB as ${partCount} gzip parts in ${partsDir} ...\n`)
  generated = await generate({mb, out: partsDir, parts: partCount, gzip: true, days: 14, end: '2024-11-18', seed: 42})
  writeFileSync(meta, JSON.stringify(generated))
}
const names = (await readdir(partsDir)).filter((name) => name.endsWith('.csv.gz')).sort()
const outPath = join(root, 'bench', 'out', `merged-${mb}mb.csv`)
const started = performance.now()
const result = await mergeParts({
  parts: names.map((name, index) => ({path: join(partsDir, name), label: `part ${index + 1} of ${names.length}`, window: 0})),
  outPath,
  emptyHeader: [],
})
const seconds = (performance.now() - started) / 1000
const peak = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024
process.stdout.write(
  JSON.stringify({
    case: `merge-${names.length}-gzip-parts-${mb}mb`,
    rows: result.rows,
    rowsMatchGenerator: result.rows === generated.rows,
    mb: Number((result.bytes / 1024 / 1024).toFixed(1)),
    seconds: Number(seconds.toFixed(2)),
    rowsPerSecond: Math.round(result.rows / seconds),
    mbPerSecond: Number((result.bytes / 1024 / 1024 / seconds).toFixed(1)),
    peakRssMb: Math.round(peak / 1024 / 1024),
    load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  }) + '\n',
)
await rm(outPath, {force: true})
