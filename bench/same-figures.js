#!/usr/bin/env node
/**
 * Same figures before and after a change: runs the CLI of a base commit (default `main`) and the CLI of this
 * checkout (build it first: `npm run build`) on the same inputs and compares what they wrote: summary.json (and
 * every team's .json) minus `generatedAt`, and every by-*.csv, chargeback and .svg file byte for byte. A
 * performance change must leave every figure identical; any difference is printed with its JSON path and the
 * script exits 1.
 *
 *   node bench/same-figures.js                  base = main
 *   node bench/same-figures.js --base 70021b8   any commit, branch or tag
 *   BENCH_MB=200 node bench/same-figures.js     a bigger generated export (default 50 MB)
 *
 * The base is exported with `git archive` into $TMPDIR/cci-usage-base-<commit>/, uses this checkout's
 * node_modules and is compiled once with tsc. Cases: the generated export (bench/generate.js, seed 42) with every
 * breakdown, without the health section, with the percentiles in passes (as a 4 GB export runs them), with teams,
 * price and --top, with a window, filters and a comparison; the generated export with a large organization's names
 * (3,000 projects, 43,000 jobs, 20,000 branches) with every breakdown; a smaller export as four gzip parts given with a copy
 * of one part, a file repeating 2,000 of its rows and one part named twice (skipped inputs, repeated JOB_IDs
 * dropped); the real export in ../shared/data (skipped with a note when absent); and `run --demo` with a history
 * (the rollup, the history store and the trend), whose simulator data depends only on the day it runs.
 */
import {execFileSync} from 'node:child_process'
import {copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, relative, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {gunzipSync} from 'node:zlib'

import {generate} from './generate.js'
import {measureNode} from './measure.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const outDir = join(root, 'bench', 'out')
const args = process.argv.slice(2)
const baseRef = args.includes('--base') ? args[args.indexOf('--base') + 1] : 'main'
const mb = Number(process.env.BENCH_MB ?? 50)
const golden = resolve(root, '..', 'shared', 'data', 'usage-export-2024-11-10_2024-11-18.csv.gz')

function prepareBase(ref) {
  const commit = execFileSync('git', ['rev-parse', ref], {cwd: root, encoding: 'utf8'}).trim()
  // Outside the checkout: jest would find a second package.json under bench/out.
  const dir = join(tmpdir(), `cci-usage-base-${commit.slice(0, 12)}`)
  if (!existsSync(join(dir, 'dist', 'commands', 'report.js'))) {
    rmSync(dir, {recursive: true, force: true})
    mkdirSync(dir, {recursive: true})
    process.stderr.write(`Building ${ref} (${commit.slice(0, 12)}) in ${dir} ...\n`)
    execFileSync('sh', ['-c', `git archive ${commit} | tar -x -C '${dir}'`], {cwd: root})
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'))
    execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], {cwd: dir, stdio: 'inherit'})
    execFileSync(join(root, 'node_modules', '.bin', 'oclif'), ['manifest'], {cwd: dir, stdio: 'ignore', env: {...process.env, OCLIF_SKIP_NEW_VERSION_CHECK: 'true'}})
  }
  return {commit, dir}
}

async function ensureGenerated(options) {
  const meta = `${options.out}.meta.json`
  if (existsSync(meta)) return JSON.parse(readFileSync(meta, 'utf8'))
  process.stderr.write(`Generating ${options.mb} MB at ${relative(root, options.out)} ...\n`)
  const result = await generate({days: 14, end: '2024-11-18', seed: 42, parts: 0, gzip: false, ...options})
  writeFileSync(meta, JSON.stringify(result))
  return result
}

/** Files a report writes whose bytes must not change (HTML and PNG are left out: they embed no figure the Summary lacks). */
function comparableFiles(dir) {
  const files = []
  const walk = (folder) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name)
      if (statSync(path).isDirectory()) {
        if (!name.startsWith('.') && name !== 'history') walk(path)
      } else if (/\.(json|csv|svg)$/.test(name) && !name.startsWith('.') && name !== 'export-manifest.json' && name !== 'usage.csv') {
        files.push(relative(dir, path))
      }
    }
  }
  walk(dir)
  return files.sort()
}

function withoutVolatile(value) {
  if (Array.isArray(value)) return value.map(withoutVolatile)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'generatedAt').map(([key, item]) => [key, withoutVolatile(item)]))
}

function differences(a, b, path = '$', found = []) {
  if (found.length >= 10) return found
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) found.push(`${path}: ${a.length} items before, ${b.length} after`)
    for (let index = 0; index < Math.min(a.length, b.length); index++) differences(a[index], b[index], `${path}[${index}]`, found)
  } else if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (!(key in a)) found.push(`${path}.${key}: only after`)
      else if (!(key in b)) found.push(`${path}.${key}: only before`)
      else differences(a[key], b[key], `${path}.${key}`, found)
    }
  } else if (a !== b) {
    found.push(`${path}: ${JSON.stringify(a)} before, ${JSON.stringify(b)} after`)
  }
  return found
}

function compareFolders(before, after) {
  const problems = []
  const files = comparableFiles(before)
  const afterFiles = comparableFiles(after)
  for (const file of afterFiles.filter((name) => !files.includes(name))) problems.push(`${file}: only after`)
  for (const file of files) {
    if (!afterFiles.includes(file)) {
      problems.push(`${file}: only before`)
      continue
    }
    const a = readFileSync(join(before, file), 'utf8')
    const b = readFileSync(join(after, file), 'utf8')
    if (file.endsWith('.json')) {
      for (const line of differences(withoutVolatile(JSON.parse(a)), withoutVolatile(JSON.parse(b)))) problems.push(`${file} ${line}`)
    } else if (a !== b) {
      problems.push(`${file}: bytes differ`)
    }
  }
  return {files: files.length, problems}
}

async function runCase(name, base, command, env = {}) {
  const results = []
  for (const [label, cli] of [['before', join(base.dir, 'bin', 'run.js')], ['after', join(root, 'bin', 'run.js')]]) {
    const out = join(outDir, 'same-figures', name, label)
    rmSync(out, {recursive: true, force: true})
    mkdirSync(out, {recursive: true})
    const argv = command.map((arg) => arg.replaceAll('{out}', out))
    const run = await measureNode([cli, ...argv, '--out', out], {env: {...process.env, ...env}})
    if (run.code !== 0) throw new Error(`${name} (${label}) exited ${run.code}: ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`)
    results.push({out, seconds: run.seconds, cpuSeconds: run.cpuSeconds})
  }
  const {files, problems} = compareFolders(results[0].out, results[1].out)
  process.stdout.write(`${problems.length === 0 ? 'same' : 'DIFFERENT'}  ${name}: ${files} files compared (cpu ${results[0].cpuSeconds.toFixed(2)} s before, ${results[1].cpuSeconds.toFixed(2)} s after)\n`)
  for (const problem of problems) process.stdout.write(`    ${problem}\n`)
  return problems.length === 0
}

mkdirSync(outDir, {recursive: true})
if (!existsSync(join(root, 'dist', 'commands', 'report.js'))) throw new Error('Build this checkout first: npm run build')
const base = prepareBase(baseRef)
const csv = join(outDir, `usage-${mb}mb.csv`)
await ensureGenerated({mb, out: csv})
const partsMb = Math.max(5, Math.round(mb / 5))
const parts = join(outDir, `parts-${partsMb}mb`)
await ensureGenerated({mb: partsMb, out: parts, parts: 4, gzip: true})
// A copy of one part (same content: skipped) and an overlapping export of the same rows (repeated JOB_IDs: dropped).
const duplicates = join(outDir, 'same-figures-inputs')
rmSync(duplicates, {recursive: true, force: true})
mkdirSync(duplicates, {recursive: true})
copyFileSync(join(parts, 'part-001.csv.gz'), join(duplicates, 'copy-of-part-001.csv.gz'))
const firstPart = gunzipSync(readFileSync(join(parts, 'part-000.csv.gz'))).toString('utf8').split('\n')
writeFileSync(join(duplicates, 'overlap.csv'), `${firstPart.slice(0, 2001).join('\n')}\n`)
// A large organization's names: thousands of projects, tens of thousands of jobs and branches (issue 15's memory
// work on such an export: row objects of one shape, job groups straight from their columns).
const manyNames = join(outDir, `usage-${mb}mb-many-names.csv`)
await ensureGenerated({mb, out: manyNames, projects: 3000, jobs: 43000, branches: 20000})
const teams = join(outDir, 'same-figures-teams.yml')
writeFileSync(teams, 'teams:\n  platform:\n    - "api*"\n    - infra\n    - "core-*"\n  web:\n    - "web*"\n    - "ui*"\n  data:\n    - "data*"\n    - "etl*"\n    - "ml*"\n')

const allDims = ['--group-by', 'org,project,workflow,job,branch,resource-class,executor,day']
const cases = [
  ['generated', ['report', '--input', csv, ...allDims, '--format', 'json']],
  ['generated-no-health', ['report', '--input', csv, '--format', 'json'], {CCI_USAGE_HEALTH: '0'}],
  // Percentiles in passes (src/analysis/passes.ts), as a 4 GB export runs them: ~5 passes here.
  ['generated-in-passes', ['report', '--input', csv, ...allDims, '--format', 'json'], {CCI_USAGE_ROWS_PER_PASS: String(Math.ceil(mb * 350))}],
  ['generated-teams-price-top', ['report', '--input', csv, '--teams', teams, '--credit-price', '0.0006', '--top', '5', '--group-by', 'team', '--format', 'json']],
  ['generated-window-filter-compare', ['report', '--input', csv, '--start', '2024-11-12', '--end', '2024-11-15', '--compare', 'previous', '--project', '[a-m]*', '--format', 'json']],
  ['generated-branch-org-filter', ['report', '--input', csv, '--branch', 'main', '--org', 'acme*', '--format', 'json']],
  ['generated-many-names', ['report', '--input', manyNames, ...allDims, '--format', 'json']],
  ['gzip-parts-with-duplicates', ['report', '--input', parts, '--input', duplicates, '--input', join(parts, 'part-002.csv.gz'), '--format', 'json']],
  ['run-demo-history', ['run', '--demo', '--history', '{out}/history', '--notify', 'never']],
]
if (existsSync(golden)) {
  cases.push(['golden', ['report', '--input', golden, ...allDims, '--format', 'json']])
  cases.push(['golden-teams-compare', ['report', '--input', golden, '--teams', teams, '--credit-price', '0.0006', '--compare', 'previous', '--start', '2024-11-14', '--format', 'json']])
} else {
  process.stdout.write(`skipped golden: ${golden} is absent\n`)
}

let same = true
for (const [name, command, env] of cases) same = (await runCase(name, base, command, env)) && same
process.stdout.write(same ? `Every figure identical to ${baseRef} (${base.commit.slice(0, 12)}).\n` : `Figures differ from ${baseRef} (${base.commit.slice(0, 12)}).\n`)
if (!same) process.exitCode = 1
