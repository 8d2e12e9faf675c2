/**
 * The Postgres load's first pass: `COPY FROM STDIN` streams the export's own bytes, and the deletes before it
 * need the plan (plan.ts), so DuckDB first reads only the organization, day, job and credits of every row into
 * `load_scan`, plans, and closes. (The lake needs no such pass: stage.ts plans from the Parquet it writes.)
 */
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {shownValueSql, sqlIdent, sqlString} from '../analysis/columns.js'
import {INPUT_FILE_INDEX, openUsage, queryUsage} from '../analysis/engine.js'
import {inspectInputFile, resolveInputPaths} from '../analysis/input-files.js'
import {makeWorkDir} from '../core/work-dir.js'
import type {LoadWindow} from './coverage.js'
import {planLoad, readEdgeJobIds, SCAN_RELATION, type LoadPlan} from './plan.js'

export interface ScanOptions {
  inputs: string[]
  /** The export window, when the caller knows it (`run`); otherwise read from an export manifest if any. */
  window?: LoadWindow | null
  /**
   * Text columns (UPPER_CASE names) whose longest value the target must know: a Postgres table made by hand with
   * varchar(n) or char(n). Measured in a pass of their own, so a load into the loader's own table pays nothing.
   */
  measure?: readonly string[]
}

/** The plan, with the JOB_IDs the Postgres load deletes by (`load_edge_jobs`, gone once DuckDB closes). */
export interface ScannedPlan extends LoadPlan {
  edgeJobIds: string[]
}

export async function scanInputs(options: ScanOptions): Promise<ScannedPlan> {
  const paths = await resolveInputPaths(options.inputs)
  const files = await Promise.all(paths.map((path) => inspectInputFile(path)))
  const source = await openUsage(paths)
  // The narrow table lives in a DuckDB file, which DuckDB compresses; in memory it would exceed the budget.
  const work = await makeWorkDir(tmpdir(), 'cci-usage-load-')
  const workDir = work.path
  try {
    const {connection} = source
    await connection.run("SET TimeZone = 'UTC'")
    await connection.run(`ATTACH ${sqlString(join(workDir, 'scan.duckdb'))} AS load_work`)
    const file = files.length > 1 ? INPUT_FILE_INDEX : '0'
    await queryUsage(
      source,
      `CREATE TABLE load_work.${SCAN_RELATION} AS SELECT ${file} AS _file, ORGANIZATION_ID AS org, JOB_RUN_DATE AS day, JOB_ID AS job, TOTAL_CREDITS AS credits, JOB_RUN_STARTED_AT AS started FROM ${source.view}`,
    )
    await connection.run(`CREATE TEMP VIEW ${SCAN_RELATION} AS SELECT * FROM load_work.${SCAN_RELATION}`)
    const plan = {...(await planLoad(connection, files, options.window)), edgeJobIds: await readEdgeJobIds(connection)}
    const measure = options.measure ?? []
    if (measure.length === 0) return plan
    // length() counts characters (code points), as varchar(n) does; rows the plan drops count too (they are few).
    const [longest] = (
      await connection.runAndReadAll(`SELECT ${measure.map((name) => `coalesce(max(length(${shownValueSql(name)})), 0) AS ${sqlIdent(name)}`).join(', ')} FROM ${source.view}`)
    ).getRowObjectsJson() as Array<Record<string, string | number>>
    return {...plan, textLengths: new Map(measure.map((name) => [name, Number(longest[name])]))}
  } finally {
    await source.close()
    await work.remove()
  }
}
