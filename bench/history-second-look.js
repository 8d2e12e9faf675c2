#!/usr/bin/env node
/**
 * What the history's second look at last week costs the weekly run (issue 11; README "History"). The weekly run
 * exports two weeks (the week before is the comparison) and the history replaces the days it stored final a week
 * ago with this later copy, which holds the jobs that started late (src/history/plan.ts daysToStore). Before that
 * rule, those five final days were kept, and the run stored 9 days, not 14.
 *
 * 1. generates two weeks of export, BENCH_MB megabytes a week (bench/out/history-2weeks-<2 x MB>mb.csv, reused);
 * 2. seeds a history as last week's run left it: the first week stored, Monday to Friday final (the run was on
 *    the Monday after it, so the weekend was under 48 hours old);
 * 3. times, BENCH_RUNS times each, alternating, this week's run (report of the second week, compared with the
 *    first, history updated from both weeks) on a fresh copy of that history:
 *    - second look: the history as this version writes it (its days carry `exportEnd`): all 14 days stored;
 *    - kept: the same history without `exportEnd`, which is how days stored by versions before the rule read and
 *      which the rule never replaces: 9 days stored, as every run stored before;
 *    - no history: the same report without the history stage, for scale.
 * Every run's totals must agree.
 *
 *   BENCH_MB=50 node bench/history-second-look.js      a quick check that it works
 *   node bench/history-second-look.js                  1 GB a week (2 GB of CSV; measure on a quiet machine)
 */
import {existsSync, readFileSync} from 'node:fs'
import {cp, mkdir, rm, writeFile} from 'node:fs/promises'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

import {generate} from './generate.js'
import {loadAverage, measureNode} from './measure.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const outDir = join(root, 'bench', 'out')
const mb = Number(process.env.BENCH_MB ?? 1000)
const runs = Number(process.env.BENCH_RUNS ?? 3)
const FIRST_WEEK = ['2024-11-04', '2024-11-10']
const SECOND_WEEK = ['2024-11-11', '2024-11-17']
const child = join(root, 'bench', 'history-child.js')
const {HISTORY_FILE} = await import(pathToFileURL(join(root, 'dist', 'history', 'store.js')).href)

async function runChild(label, csv, [since, until], historyDir, exportStart) {
  const out = join(outDir, `second-look-report-${label}`)
  await rm(out, {recursive: true, force: true})
  await mkdir(out, {recursive: true})
  const args = [child, historyDir ? 'history' : 'plain', csv, out, since, until, ...(historyDir ? [historyDir, exportStart] : [])]
  const result = await measureNode(args)
  if (result.code !== 0) throw new Error(`${label} exited ${result.code}: ${result.stderr.trim()}`)
  return {...result, summary: JSON.parse(result.stdout.trim().split('\n').at(-1))}
}

const readManifest = (dir) => JSON.parse(readFileSync(join(dir, HISTORY_FILE), 'utf8'))
const finalDays = (manifest) => Object.values(manifest.days).filter((day) => day.final).length

await mkdir(outDir, {recursive: true})
const csv = join(outDir, `history-2weeks-${2 * mb}mb.csv`)
if (!existsSync(`${csv}.meta.json`)) {
  process.stderr.write(`Generating two weeks of ${mb} MB a week at ${csv} ...\n`)
  const generated = await generate({mb: 2 * mb, days: 14, end: SECOND_WEEK[1], seed: 42, parts: 0, gzip: false, out: csv})
  await writeFile(`${csv}.meta.json`, JSON.stringify(generated))
}

// 2. Last week's run: its export was the first week (and the one before, which this CSV does not hold).
const seeded = join(outDir, `second-look-seed-${mb}mb`)
await rm(seeded, {recursive: true, force: true})
await runChild('seed', csv, FIRST_WEEK, seeded, FIRST_WEEK[0])
const seedManifest = readManifest(seeded)
if (finalDays(seedManifest) !== 5) throw new Error(`the seeded history has ${finalDays(seedManifest)} final days, not 5 (Monday to Friday)`)
if (Object.values(seedManifest.days).some((day) => day.exportEnd === undefined)) throw new Error('the seeded days lack exportEnd')
const legacy = join(outDir, `second-look-seed-legacy-${mb}mb`)
await rm(legacy, {recursive: true, force: true})
await cp(seeded, legacy, {recursive: true})
const stripped = readManifest(legacy)
for (const day of Object.values(stripped.days)) delete day.exportEnd
await writeFile(join(legacy, HISTORY_FILE), JSON.stringify(stripped, null, 2))

// 3. This week's run, three ways, alternating.
const modes = {secondLook: seeded, kept: legacy, noHistory: null}
const results = Object.fromEntries(Object.keys(modes).map((mode) => [mode, []]))
const stored = {}
for (let run = 0; run < runs; run++) {
  for (const [mode, seed] of Object.entries(modes)) {
    let copy
    if (seed) {
      copy = join(outDir, `second-look-history-${mode}-${mb}mb`)
      await rm(copy, {recursive: true, force: true})
      await cp(seed, copy, {recursive: true})
    }
    const result = await runChild(mode, csv, SECOND_WEEK, copy, FIRST_WEEK[0])
    results[mode].push(result)
    if (copy) {
      // Days whose stored copy is this run's: fetched at this run's snapshot, the Monday after the second week.
      const fetched = Object.values(readManifest(copy).days).filter((day) => day.fetchedAt.startsWith('2024-11-18'))
      stored[mode] = fetched.length
    }
  }
}
const credits = new Set(Object.values(results).flat().map((result) => result.summary.credits))
if (credits.size !== 1) throw new Error(`the runs disagree on the week's credits: ${[...credits].join(', ')}`)
if (stored.secondLook !== 14 || stored.kept !== 9) throw new Error(`days stored: ${JSON.stringify(stored)}, expected 14 with the second look and 9 without`)

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const figures = (list) => ({
  seconds: list.map((result) => Number(result.seconds.toFixed(2))),
  medianSeconds: Number(median(list.map((result) => result.seconds)).toFixed(2)),
  medianCpuSeconds: Number(median(list.map((result) => result.cpuSeconds)).toFixed(2)),
  medianPeakRssMb: Math.round(median(list.map((result) => result.peakBytes)) / 1024 / 1024),
})
const med = (mode, key) => median(results[mode].map((result) => result[key]))
process.stdout.write(
  JSON.stringify(
    {
      mbPerWeek: mb,
      rows: results.noHistory[0].summary.rows,
      daysStored: stored,
      secondLook: figures(results.secondLook),
      kept: figures(results.kept),
      noHistory: figures(results.noHistory),
      secondLookCost: `${(med('secondLook', 'seconds') - med('kept', 'seconds')).toFixed(2)} s wall, ${(med('secondLook', 'cpuSeconds') - med('kept', 'cpuSeconds')).toFixed(2)} CPU-s (medians)`,
      runWithHistoryOverReport: `${(med('secondLook', 'seconds') / med('noHistory', 'seconds')).toFixed(2)}x wall (limit 1.5x)`,
      runs,
      load: loadAverage(),
    },
    null,
    2,
  ) + '\n',
)
