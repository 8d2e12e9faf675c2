/** Reading a lake folder back with DuckDB (hive partitioning), as BigQuery, Athena or Spark would read it. */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {DuckDBInstance, type DuckDBConnection} from '@duckdb/node-api'

import {isBuilt} from '../helpers/cli.js'
import {haveGoldenExport} from '../helpers/repo.js'
import {microCredits} from './fixtures.js'

let connection: DuckDBConnection | null = null

export async function query(sql: string): Promise<Record<string, unknown>[]> {
  if (!connection) {
    connection = await (await DuckDBInstance.create(':memory:')).connect()
    await connection.run("SET TimeZone = 'UTC'")
  }
  return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[]
}

export const lakeGlob = (dir: string) => `read_parquet('${join(dir, '*', '*.parquet')}', hive_partitioning = true)`

export async function lakeTotals(dir: string): Promise<{rows: number; credits: bigint; jobs: number}> {
  const [row] = await query(`SELECT count(*) AS n, CAST(coalesce(sum(total_credits), 0) AS VARCHAR) AS c, count(DISTINCT job_id) AS j FROM ${lakeGlob(dir)}`)
  return {rows: Number(row.n), credits: microCredits(String(row.c)), jobs: Number(row.j)}
}

/** A hash of every row, independent of order and of how the rows are split into files. */
export async function lakeContent(dir: string): Promise<string> {
  const [row] = await query(`SELECT md5(string_agg(CAST(t AS VARCHAR), '\n' ORDER BY CAST(t AS VARCHAR))) AS h FROM ${lakeGlob(dir)} t`)
  return String(row.h)
}

/**
 * What every lake test file sets up: a temporary folder for its inputs and lakes (removed afterwards), `fresh`
 * names a new path in it, and `maybe` runs a test only when the CLI is built and the golden export is present.
 */
export function lakeTestFolder(what: string, prefix: string) {
  const ready = isBuilt('load') && haveGoldenExport(what)
  let work = ''
  let counter = 0
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), prefix))
  })
  afterAll(() => rmSync(work, {recursive: true, force: true}))
  return {
    maybe: (name: string, fn: () => Promise<void>, timeout?: number) =>
      it(name, async () => {
        if (ready) await fn()
      }, timeout),
    /** A new path in the folder, `<kind>-<n>`. */
    fresh: (kind: string) => join(work, `${kind}-${++counter}`),
    /** A path in the folder. */
    inWork: (name: string) => join(work, name),
  }
}
