/**
 * The Postgres sink. One transaction per load, under an advisory lock per table so that two loads into the same
 * table run one after the other: create the schema, table and indexes if missing; delete the whole days the
 * input covers and the rows whose JOB_ID it holds on other days; COPY the input's bytes; check the row count;
 * commit. Any failure (bad value, lost connection, the process killed) rolls everything back.
 */
import type {Writable} from 'node:stream'

import pg from 'pg'
import {from as copyFrom} from 'pg-copy-streams'

import {ApiError, AuthError, BadInputError, CciUsageError, InputFileError} from '../core/errors.js'
import {CSV_NULL} from '../core/usage-columns.js'
import {copyColumnsFor, copyFileInto, type CopyFileResult} from './copy-stream.js'
import {postgresDdl, qualifiedTable} from './ddl.js'
import {CREDIT_PRECISION, CREDIT_SCALE, dialectType, LOADED_AT, WAREHOUSE_COLUMNS} from './columns.js'
import type {LoadPlan} from './plan.js'
import type {PostgresTarget} from './target.js'

const CONNECT_TIMEOUT_MS = 15_000

export interface PostgresLoadResult {
  rows: number
  deleted: number
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE'])

/** Errors of reading a file the target names (the driver reads the TLS files itself). */
const FILE_CODES = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR'])

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

/** Where the COPY of each file stood, so a data error can name the file and its line. */
interface CopyProgress {
  path: string
  sourceLine?: (copyLine: number) => number
}

export function describePostgresError(error: unknown, target: PostgresTarget, copying?: CopyProgress): Error {
  if (error instanceof CciUsageError) return error
  const failure = error as Error & {code?: string; where?: string; column?: string; path?: unknown}
  const code = failure.code ?? ''
  const message = oneLine(failure.message ?? String(error))
  const where = target.display
  if (FILE_CODES.has(code)) {
    return new BadInputError(
      'E_TARGET_SSL_FILE',
      `Cannot read ${typeof failure.path === 'string' ? failure.path : 'the file'} (${code}) that sslrootcert, sslcert or sslkey names in the target ${where}: fix the path or the file's permissions; nothing was loaded.`,
    )
  }
  if (code === '28P01' || code === '28000') {
    return new AuthError('E_TARGET_AUTH', `PostgreSQL refused the login for ${where} (${message}): check the user and password in the target.`)
  }
  if (code === '42501') {
    return new AuthError('E_TARGET_PERMISSION', `PostgreSQL denied ${where} (${message}): the user needs CREATE on the schema (first load) and INSERT, DELETE and SELECT on the table.`)
  }
  if (code === '3D000') {
    return new BadInputError('E_TARGET_NO_DATABASE', `PostgreSQL has no such database for ${where} (${message}): create it or fix the database name in the target.`)
  }
  if (NETWORK_CODES.has(code) || /timeout|connection terminated|ssl|certificate/i.test(message)) {
    return new ApiError('E_TARGET_UNREACHABLE', `Cannot reach PostgreSQL for ${where} (${code || message}): check the host, the port, sslmode and that the server accepts connections from here; nothing was loaded.`)
  }
  if (/^2[23]/.test(code) && copying) {
    const line = /line (\d+)/.exec(failure.where ?? '')?.[1]
    const at = line && copying.sourceLine ? `, line ${copying.sourceLine(Number(line))}` : line ? `, data line ${line}` : ''
    return new InputFileError('E_INPUT_VALUE', `Input file ${copying.path}${at}: PostgreSQL cannot store a value (${message}); fix or re-export the file. Nothing was loaded.`)
  }
  return new ApiError('E_TARGET_FAILED', `PostgreSQL failed the load into ${where} (${message}${code ? `, SQLSTATE ${code}` : ''}); nothing was changed.`)
}

async function copyOne(client: pg.Client, sql: string, fill: (sink: Writable) => Promise<CopyFileResult>): Promise<{rows: number; result: CopyFileResult}> {
  const sink = client.query(copyFrom(sql))
  // The server may refuse a row while the file is still being sent. The stream then fails on its own, before
  // `fill` returns: that refusal is the cause to report, and nothing of the stream may go unhandled (an 'error'
  // or a rejection nobody awaits would end the process with a stack trace).
  let refused: Error | undefined
  sink.on('error', (error: Error) => {
    refused ??= error
  })
  const finished = new Promise<void>((resolve, reject) => {
    sink.once('finish', resolve)
    sink.once('error', reject)
  })
  finished.catch(() => undefined)
  const filling = fill(sink)
  filling.catch(() => undefined)
  let result: CopyFileResult
  try {
    result = await Promise.race([filling, finished.then((): never => {
      throw new Error('the COPY ended before its input was sent')
    })])
  } catch (error) {
    if (refused) throw refused
    // CopyFail makes the server abort the COPY; the transaction is rolled back by the caller.
    sink.destroy(error as Error)
    await finished.catch(() => undefined)
    throw error
  }
  sink.end()
  await finished
  return {rows: sink.rowCount, result}
}

/** Connects first, so that a wrong password or an unreachable host fails before the input is read. */
export async function connectPostgres(target: PostgresTarget): Promise<pg.Client> {
  let client: pg.Client | undefined
  try {
    // The driver reads sslrootcert, sslcert and sslkey while it parses the URL, here: a missing file throws.
    client = new pg.Client({connectionString: target.connectionString, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: 'cci-usage'})
    // A dropped connection is reported by the failing query; without a listener it would crash the process.
    client.on('error', () => undefined)
    await client.connect()
  } catch (error) {
    await client?.end().catch(() => undefined)
    throw describePostgresError(error, target)
  }
  return client
}

/** Loads `plan` over `client` (from connectPostgres) and closes it. */
export async function loadPostgres(client: pg.Client, target: PostgresTarget, plan: LoadPlan, log: (line: string) => void): Promise<PostgresLoadResult> {
  const table = qualifiedTable(target)
  const progress: CopyProgress = {path: ''}
  let copying = false
  try {
    await client.query('BEGIN')
    const lockKey = `cci-usage load ${target.schema}.${target.table}`
    const {rows: [locked]} = await client.query<{ok: boolean}>('SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS ok', [lockKey])
    if (!locked.ok) {
      log(`Waiting for another load into ${target.schema}.${target.table} to finish ...`)
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockKey])
    }
    // The export's timestamps are UTC without a zone; timestamptz reads them in the session's zone.
    await client.query("SET LOCAL TimeZone = 'UTC'")
    for (const statement of postgresDdl(target)) await client.query(statement)
    await checkColumns(client, target)

    let deleted = 0
    if (plan.wholePairs.length > 0) {
      const result = await client.query(
        `DELETE FROM ${table} AS t USING unnest($1::text[], $2::date[]) AS p(org, day) WHERE t.organization_id = p.org AND t.job_run_date = p.day`,
        [plan.wholePairs.map((pair) => pair.org), plan.wholePairs.map((pair) => pair.day)],
      )
      deleted += result.rowCount ?? 0
    }
    if (plan.edgeJobIds.length > 0) {
      const result = await client.query(`DELETE FROM ${table} WHERE job_id = ANY($1::text[])`, [plan.edgeJobIds])
      deleted += result.rowCount ?? 0
    }

    let rows = 0
    for (const [fileIndex, file] of plan.files.entries()) {
      const wholeDays = new Set(plan.wholeDaysByFile[fileIndex])
      const columns = copyColumnsFor(file.header)
      if (columns.unknown.length > 0) {
        log(`${file.path}: column(s) ${columns.unknown.join(', ')} have no place in the table and are not loaded (TOTAL_CREDITS still includes any credits in them).`)
      }
      const sql = `COPY ${table} (${columns.names.map((name) => pg.escapeIdentifier(name)).join(', ')}) FROM STDIN WITH (FORMAT csv, NULL ${pg.escapeLiteral(CSV_NULL)})`
      progress.path = file.path
      progress.sourceLine = undefined
      copying = true
      const copied = await copyOne(client, sql, (sink) =>
        copyFileInto(sink, {file, fileIndex, keepFileOf: plan.keepFileOf, wholeDays, dropUnidentified: plan.skipped.rows > 0, onLineMap: (map) => (progress.sourceLine = map)}, columns),
      )
      copying = false
      if (copied.rows !== plan.rowsPerFile[fileIndex]) {
        throw new ApiError(
          'E_TARGET_COUNT',
          `PostgreSQL received ${copied.rows} rows of ${file.path} where ${plan.rowsPerFile[fileIndex]} were sent; the load was rolled back.`,
        )
      }
      rows += copied.rows
    }
    await client.query('COMMIT')
    return {rows, deleted}
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw describePostgresError(error, target, copying ? progress : undefined)
  } finally {
    await client.end().catch(() => undefined)
  }
}

/**
 * A table made by hand or by an older version must still have every column the COPY names, and credit columns
 * that hold six decimals: Postgres rounds a value to a numeric column's scale (and a float column is inexact)
 * without an error, so a load into numeric(18,2) would commit fewer credits than it reports.
 */
async function checkColumns(client: pg.Client, target: PostgresTarget): Promise<void> {
  const {rows} = await client.query<{column_name: string; data_type: string; numeric_precision: number | null; numeric_scale: number | null}>(
    'SELECT column_name, data_type, numeric_precision, numeric_scale FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2',
    [target.schema, target.table],
  )
  const present = new Map(rows.map((row) => [row.column_name, row]))
  const missing = [...WAREHOUSE_COLUMNS.map((column) => column.name), LOADED_AT].filter((name) => !present.has(name))
  if (missing.length > 0) {
    throw new BadInputError(
      'E_TARGET_TABLE',
      `Table ${target.schema}.${target.table} lacks column(s) ${missing.join(', ')}: add them (see \`cci-usage load --print-ddl postgres\`) or load into a new table with ?table=.`,
    )
  }
  const credits = dialectType('postgres', 'credits')
  const inexact = WAREHOUSE_COLUMNS.filter((column) => column.type === 'credits' && !holdsCredits(present.get(column.name)!))
  if (inexact.length > 0) {
    const found = inexact.map((column) => `${column.name} ${describeType(present.get(column.name)!)}`).join(', ')
    throw new BadInputError(
      'E_TARGET_TABLE',
      `Table ${target.schema}.${target.table} has credit column(s) ${found}, which would not hold the export's credits exactly: change them to ${credits} (ALTER TABLE ... ALTER COLUMN ... TYPE ${credits}) or load into a new table with ?table=. Nothing was loaded.`,
    )
  }
}

interface ColumnType {
  data_type: string
  numeric_precision: number | null
  numeric_scale: number | null
}

/** numeric without a typmod, or with at least the scale and integer digits of CREDIT_PRECISION, CREDIT_SCALE. */
function holdsCredits(column: ColumnType): boolean {
  if (column.data_type !== 'numeric') return false
  if (column.numeric_precision === null || column.numeric_scale === null) return true
  return column.numeric_scale >= CREDIT_SCALE && column.numeric_precision - column.numeric_scale >= CREDIT_PRECISION - CREDIT_SCALE
}

function describeType(column: ColumnType): string {
  return column.data_type === 'numeric' && column.numeric_precision !== null ? `numeric(${column.numeric_precision},${column.numeric_scale})` : column.data_type
}
