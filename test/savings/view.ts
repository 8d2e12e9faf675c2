import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {DuckDBInstance, type DuckDBConnection} from '@duckdb/node-api'

import {EXPORT_COLUMNS, sqlString} from '../../src/analysis/columns.js'

/** The export's null token: backslash, backslash, N. */
export const NULL_TOKEN = String.raw`\\N`

export interface TestView {
  connection: DuckDBConnection
  view: string
  close(): Promise<void>
}

/**
 * The savings view contract built independently of engine.ts: every export column under its UPPER_CASE name with
 * the contract's types, plus OTHER_CREDITS, `\\N` and '' read as NULL.
 */
export async function openTestView(csvPath: string): Promise<TestView> {
  const instance = await DuckDBInstance.create(':memory:', {threads: '1'})
  const connection = await instance.connect()
  const columns = EXPORT_COLUMNS.map(([name, type]) => `${sqlString(name)}: ${sqlString(type)}`).join(', ')
  await connection.run(`
    CREATE VIEW usage AS
    SELECT *, CAST(0 AS DECIMAL(38,6)) AS OTHER_CREDITS
    FROM read_csv(${sqlString(csvPath)}, header = true, auto_detect = false, delim = ',',
      nullstr = [${sqlString(NULL_TOKEN)}, ''], columns = {${columns}})`)
  return {
    connection,
    view: 'usage',
    async close() {
      connection.closeSync()
      instance.closeSync()
    },
  }
}

export type RowValues = Partial<Record<string, string | number | null>>

let jobCounter = 0

/** A synthetic export row: sensible defaults for one successful docker medium run, overridden per test. */
export function row(values: RowValues): RowValues {
  jobCounter += 1
  return {
    ORGANIZATION_ID: 'org-1',
    ORGANIZATION_NAME: 'acme',
    PROJECT_NAME: 'api',
    WORKFLOW_NAME: 'build-test',
    JOB_NAME: 'build',
    JOB_ID: `job-${jobCounter}`,
    JOB_RUN_DATE: '2024-11-11',
    JOB_BUILD_STATUS: 'success',
    RESOURCE_CLASS: 'medium',
    EXECUTOR: 'docker',
    PARALLELISM: 1,
    JOB_RUN_SECONDS: 300,
    MEDIAN_CPU_UTILIZATION_PCT: 20,
    MAX_CPU_UTILIZATION_PCT: 30,
    MEDIAN_RAM_UTILIZATION_PCT: 20,
    MAX_RAM_UTILIZATION_PCT: 30,
    COMPUTE_CREDITS: 50,
    TOTAL_CREDITS: 50,
    ...values,
  }
}

/** Writes rows as an export CSV: unquoted, LF, `\\N` for null (absent columns are null). */
export async function writeRowsCsv(path: string, rows: RowValues[]): Promise<void> {
  const header = EXPORT_COLUMNS.map(([name]) => name)
  const lines = rows.map((values) =>
    header.map((name) => {
      const value = values[name]
      return value === null || value === undefined ? NULL_TOKEN : String(value)
    }).join(','),
  )
  await writeFile(path, [header.join(','), ...lines].join('\n') + '\n')
}

/** Writes rows as an export CSV and opens the view over it. */
export async function viewOfRows(rows: RowValues[]): Promise<TestView & {dir: string}> {
  const dir = await mkdtemp(join(tmpdir(), 'cci-usage-savings-'))
  const path = join(dir, 'usage.csv')
  await writeRowsCsv(path, rows)
  const view = await openTestView(path)
  return {
    ...view,
    dir,
    async close() {
      await view.close()
      await rm(dir, {recursive: true, force: true})
    },
  }
}

