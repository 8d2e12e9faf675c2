#!/usr/bin/env node
/**
 * Diagnostic probe: the report's single cube scan straight on DuckDB, with settings from the environment, to
 * see what drives time and peak RSS.  PROBE_THREADS, PROBE_MEM, PROBE_BUF (bytes), PROBE_ORDER (true/false),
 * PROBE_SQL=cube|count|narrow
 */
import {performance} from 'node:perf_hooks'
import {DuckDBInstance} from '@duckdb/node-api'
import {inspectInputFile} from '../dist/analysis/input-files.js'
import {selectFromFiles} from '../dist/analysis/engine.js'
import {buildCubeSql} from '../dist/analysis/aggregate.js'

const csv = process.argv[2]
const env = process.env
const t0 = performance.now()
const mark = (label) => process.stderr.write(`${label} t=${((performance.now() - t0) / 1000).toFixed(2)}s rss=${(process.memoryUsage().rss / 1048576).toFixed(0)}MB\n`)
const instance = await DuckDBInstance.create(':memory:', {
  threads: env.PROBE_THREADS ?? '2', memory_limit: env.PROBE_MEM ?? '250MB', temp_directory: '/tmp/probe-spill',
  preserve_insertion_order: env.PROBE_ORDER ?? 'false', ...(env.PROBE_EXTRA ? JSON.parse(env.PROBE_EXTRA) : {}),
})
const connection = await instance.connect()
let select = selectFromFiles([await inspectInputFile(csv)])
if (env.PROBE_BUF) select = select.replace(/buffer_size = \d+/, `buffer_size = ${env.PROBE_BUF}`)
if (env.PROBE_PARALLEL) select = select.replace('header = true', `header = true, parallel = ${env.PROBE_PARALLEL}`)
await connection.run(`CREATE VIEW usage AS ${select}`)
mark('view')
const sql = env.PROBE_SQL ?? 'cube'
if (sql === 'cube') await connection.run(buildCubeSql('usage', 'cube', undefined, null))
else if (sql === 'narrow') {
  const target = env.PROBE_TARGET ?? 'file'
  if (target === 'file') await connection.run(`ATTACH '/tmp/probe-spill/narrow.duckdb' AS w`)
  else if (target === 'memc') await connection.run(`ATTACH ':memory:' AS w (COMPRESS)`)
  else await connection.run(`ATTACH ':memory:' AS w`)
  const credit = (c) => (env.PROBE_NOCAST ? c : `CAST(${c} AS DECIMAL(18,6)) AS ${c}`)
  const cols = ['ORGANIZATION_NAME', 'ORGANIZATION_ID', 'PROJECT_NAME', 'WORKFLOW_NAME', 'JOB_NAME', 'VCS_BRANCH', 'RESOURCE_CLASS', 'EXECUTOR', 'JOB_RUN_DATE', 'JOB_BUILD_STATUS',
    ...['COMPUTE', 'DLC', 'USER', 'STORAGE', 'NETWORK', 'LEASE', 'LEASE_OVERAGE', 'IPRANGES', 'OTHER', 'TOTAL'].map((c) => credit(`${c}_CREDITS`)),
    'JOB_RUN_SECONDS', 'MEDIAN_CPU_UTILIZATION_PCT', 'MAX_CPU_UTILIZATION_PCT', 'MEDIAN_RAM_UTILIZATION_PCT', 'MAX_RAM_UTILIZATION_PCT'].join(', ')
  await connection.run(`CREATE TABLE w.narrow AS SELECT ${cols} FROM usage`)
  mark('narrow')
  let cubeSql = buildCubeSql('w.narrow', 'cube', undefined, null).replace('"w.narrow"', 'w.narrow')
  if (env.PROBE_CUBE_FILE) cubeSql = cubeSql.replace('CREATE OR REPLACE TEMP TABLE "cube"', 'CREATE TABLE w.cube')
  await connection.run(cubeSql)
  mark('cube')
  const {computeSavings} = await import('../dist/analysis/savings/index.js')
  await connection.run('CREATE VIEW wn AS SELECT * FROM w.narrow')
  const s = await computeSavings(connection, 'wn', {windowDays: 14})
  mark('savings ' + s.failingJobs.length)
}
else if (sql === 'count') await connection.run('CREATE TEMP TABLE c AS SELECT count(*), sum(TOTAL_CREDITS) FROM usage')
mark(sql)
const r = await connection.runAndReadAll(`SELECT * FROM duckdb_memory() WHERE memory_usage_bytes > 0`)
process.stderr.write(JSON.stringify(r.getRowObjectsJS(), (k, v) => typeof v === 'bigint' ? Number(v) : v) + '\n')
