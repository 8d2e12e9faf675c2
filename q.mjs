import {DuckDBInstance} from '@duckdb/node-api'
import {statSync} from 'node:fs'
const f = process.argv[2]
const i = await DuckDBInstance.create(':memory:', {threads: '2'}); const c = await i.connect()
let t = performance.now()
await c.run(`CREATE TABLE r AS SELECT * FROM read_csv('${f}', nullstr=['\\\\N','\\N'], header=true)`)
console.log('load', (performance.now()-t)/1000)
t = performance.now()
await c.run(`CREATE TABLE roll AS SELECT JOB_RUN_DATE, ORGANIZATION_ID, ORGANIZATION_NAME, PROJECT_NAME, WORKFLOW_NAME, JOB_NAME, VCS_BRANCH, RESOURCE_CLASS, EXECUTOR, JOB_BUILD_STATUS,
 count(*) AS ROWS, count(JOB_NAME) AS JOBS, sum(JOB_RUN_SECONDS) AS RUN_SECONDS, count(JOB_RUN_SECONDS) AS RUN_SECONDS_COUNT,
 ${['COMPUTE','DLC','USER','STORAGE','NETWORK','LEASE','LEASE_OVERAGE','IPRANGES','TOTAL'].map(n=>`CAST(sum(${n}_CREDITS) AS DECIMAL(18,6)) AS ${n}_CREDITS`).join(', ')},
 CAST(0 AS DECIMAL(18,6)) AS OTHER_CREDITS,
 CAST(COALESCE(sum(TOTAL_CREDITS) FILTER (WHERE JOB_BUILD_STATUS='failed'),0) AS DECIMAL(18,6)) AS FAILED_CREDITS,
 CAST(COALESCE(sum(TOTAL_CREDITS) FILTER (WHERE JOB_BUILD_STATUS='canceled'),0) AS DECIMAL(18,6)) AS CANCELED_CREDITS
 FROM r GROUP BY ALL`)
console.log('rollup', (performance.now()-t)/1000)
const n = (await c.runAndReadAll('select count(*) from r')).getRows()[0][0]
const m = (await c.runAndReadAll('select count(*) from roll')).getRows()[0][0]
console.log('rows', n, 'rollup rows', m)
for (const [name, order] of [['noorder',''],['ordered',' ORDER BY JOB_RUN_DATE, ORGANIZATION_ID, PROJECT_NAME, WORKFLOW_NAME, JOB_NAME, VCS_BRANCH']]) {
 t = performance.now()
 await c.run(`COPY (SELECT * FROM roll${order}) TO 'bench/out/${name}.parquet' (FORMAT parquet, COMPRESSION zstd)`)
 console.log(name, (performance.now()-t)/1000, statSync(`bench/out/${name}.parquet`).size, (statSync(`bench/out/${name}.parquet`).size/statSync(f).size*100).toFixed(2)+'%')
}
