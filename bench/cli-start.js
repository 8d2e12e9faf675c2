#!/usr/bin/env node
/**
 * CLI start-up (issue 15: `--version` under 0.25 s): times `node bin/run.js --version` and `node bin/run.js report
 * --help` BENCH_RUNS times each (default 10) as child processes, and prints min / median / max of wall seconds and
 * peak RSS with the load average. Without oclif.manifest.json (npm run build writes it) oclif imports every command
 * (DuckDB, Slack, resvg) to read their flags: build first.
 *
 *   node bench/cli-start.js
 */
import {existsSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {loadAverage, measureNode} from './measure.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const runs = Number(process.env.BENCH_RUNS ?? 10)
const TARGET_SECONDS = 0.25
if (!existsSync(join(root, 'oclif.manifest.json'))) process.stderr.write('oclif.manifest.json is missing: run `npm run build` first, or the figures are not what users get.\n')

function spread(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return {min: sorted[0], median: sorted[Math.floor((sorted.length - 1) / 2)], max: sorted[sorted.length - 1]}
}

for (const [label, args] of [['--version', ['--version']], ['report --help', ['report', '--help']]]) {
  const seconds = []
  const peaks = []
  const loadBefore = loadAverage()
  for (let run = 0; run < runs; run++) {
    const result = await measureNode([join(root, 'bin', 'run.js'), ...args], {cwd: root})
    if (result.code !== 0) throw new Error(`${label} exited ${result.code}: ${result.stderr.trim()}`)
    seconds.push(Number(result.seconds.toFixed(3)))
    peaks.push(Math.round(result.peakBytes / 1048576))
  }
  const figures = {case: `cli ${label}`, runs, seconds: spread(seconds), peakRssMb: spread(peaks), loadBefore, loadAfter: loadAverage()}
  if (label === '--version') Object.assign(figures, {target: TARGET_SECONDS, met: figures.seconds.median < TARGET_SECONDS})
  process.stdout.write(JSON.stringify(figures) + '\n')
}
