#!/usr/bin/env node
/**
 * Diagnostic probe (not the benchmark): runs the report pipeline in-process from dist/ with phase timings and
 * RSS on stderr, so DuckDB settings and savings wiring can be compared without the CLI.
 *   node bench/probe.js <csv> [savings=1]
 */
import {performance} from 'node:perf_hooks'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

const [csv, savingsFlag = '1'] = process.argv.slice(2)
const t0 = performance.now()
const mark = (label) => process.stderr.write(`${label} t=${((performance.now() - t0) / 1000).toFixed(2)}s rss=${(process.memoryUsage().rss / 1048576).toFixed(0)}MB\n`)
const {generateReport} = await import('../dist/report/index.js')
const {computeSavings} = await import('../dist/analysis/savings/index.js')
mark('imported')
const out = mkdtempSync(join(tmpdir(), 'probe-'))
const {summary} = await generateReport({
  inputs: [csv], outDir: out, groupBy: ['job', 'branch', 'day'], top: 10,
  enrich: savingsFlag === '1' ? async (source, summary, scope) => {
    mark('cube done')
    summary.savings = await computeSavings(source.connection, scope.relation, {windowDays: summary.window.days, filterSql: scope.filterSql})
    mark('savings done')
  } : undefined,
}, {clock: () => new Date(), log: () => undefined})
mark('done')
process.stdout.write(JSON.stringify({rows: summary.totals.rows, credits: summary.totals.credits.total, rightsizing: summary.savings?.rightsizing.length, failing: summary.savings?.failingJobs.length}) + '\n')
