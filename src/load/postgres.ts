/**
 * The Postgres sink. One transaction per load, under an advisory lock per table so that two loads into the same
 * table run one after the other: create the schema, table and indexes if missing; delete the whole days the
 * input covers and the rows whose JOB_ID it holds on other days; COPY the input's bytes; check the row count;
 * commit. Any failure (bad value, lost connection, the process killed) rolls everything back.
 */
import {readFileSync} from 'node:fs'
import type {Writable} from 'node:stream'
import type {ConnectionOptions} from 'node:tls'

import pg from 'pg'
import {from as copyFrom} from 'pg-copy-streams'

import {ApiError, AuthError, BadInputError, CciUsageError, InputFileError} from '../core/errors.js'
import {CSV_NULL} from '../core/usage-columns.js'
import {copyColumnsFor, copyFileInto, type CopyFileResult} from './copy-stream.js'
import {postgresStatements, qualifiedTable} from './ddl.js'
import {CREDIT_PRECISION, CREDIT_SCALE, dialectType, LOADED_AT, WAREHOUSE_COLUMNS, type WarehouseType} from './columns.js'
import {replacedOnWholeDay, type LoadPlan} from './plan.js'
import type {ScannedPlan} from './scan.js'
import type {PostgresTarget, PostgresTls} from './target.js'

/** How long a connection may take without a connect_timeout in the target. */
const CONNECT_TIMEOUT_SECONDS = 15

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
  const failure = error as Error & {code?: string; where?: string; detail?: string; column?: string; path?: unknown}
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
    // pg_hba.conf turning the login away (a reject line, or no line for this host, user and encryption) is not the
    // password's fault; its message names the file.
    const check = /pg_hba\.conf/.test(message) ? "the server's pg_hba.conf does not admit this user from this host (and sslmode): ask its administrator" : 'check the user and password in the target'
    return new AuthError('E_TARGET_AUTH', `PostgreSQL refused the login for ${where} (${message}): ${check}.`)
  }
  if (code === '42501') {
    // The server's detail names the privilege where its message does not ("User does not have CONNECT privilege.").
    const detail = failure.detail ? `; ${oneLine(failure.detail)}` : ''
    return new AuthError('E_TARGET_PERMISSION', `PostgreSQL denied ${where} (${message}${detail}): the user needs CONNECT on the database, USAGE on the schema and SELECT, INSERT and DELETE on the table; to create a missing schema, CREATE on the database, and a missing table, CREATE on the schema (or have an administrator run \`cci-usage load --print-ddl postgres\`). Nothing was loaded.`)
  }
  if (code === '3D000') {
    return new BadInputError('E_TARGET_NO_DATABASE', `PostgreSQL has no such database for ${where} (${message}): create it or fix the database name in the target.`)
  }
  // The driver's own errors (a connect timeout, a TLS failure) are told by their text; a server's error has a
  // SQLSTATE and says what it is itself: "canceling statement due to statement timeout" is not an unreachable host.
  const fromServer = error instanceof pg.DatabaseError
  if (NETWORK_CODES.has(code) || (!fromServer && /timeout|connection terminated|ssl|certificate/i.test(message))) {
    return unreachable(target, code || message)
  }
  if (/^2[23]/.test(code) && copying) {
    const line = /line (\d+)/.exec(failure.where ?? '')?.[1]
    const at = line && copying.sourceLine ? `, line ${copying.sourceLine(Number(line))}` : line ? `, data line ${line}` : ''
    // Class 22 is a value that does not parse as the column's type: the input's fault, since checkTable made sure
    // the table's types hold the loader's. Class 23 is the table's own rule (a unique index, a CHECK, a trigger's
    // or a domain's constraint) refusing a well-formed row: the export is not what to fix.
    if (code.startsWith('23')) {
      return new ApiError(
        'E_TARGET_CONSTRAINT',
        `PostgreSQL failed the load into ${where}: a constraint of the table refused the row of ${copying.path}${at} (${message}, SQLSTATE ${code}); change the table's constraints or load into a new table with ?table=. Nothing was committed.`,
      )
    }
    return new InputFileError('E_INPUT_VALUE', `Input file ${copying.path}${at}: PostgreSQL cannot store a value (${message}, SQLSTATE ${code}); fix or re-export the file. Nothing was loaded.`)
  }
  const timeout = fromServer ? SERVER_TIMEOUTS.find((known) => known.code === code && known.message.test(message)) : undefined
  const hint = timeout
    ? `; the server's ${timeout.setting} ended the load${timeout.why}: raise it for the loading role (ALTER ROLE ... SET ${timeout.setting} = ...) or in the target (options=-c ${timeout.setting}=...) and run the load again`
    : ''
  return new ApiError('E_TARGET_FAILED', `PostgreSQL failed the load into ${where} (${message}${code ? `, SQLSTATE ${code}` : ''}); nothing was committed${hint}.`)
}

/** The limits a DBA sets on sessions that end a load, by the SQLSTATE and text of the error each raises. */
const SERVER_TIMEOUTS = [
  {code: '57014', message: /statement timeout/, setting: 'statement_timeout', why: ''},
  {code: '55P03', message: /lock timeout/, setting: 'lock_timeout', why: ' (another session held a lock on the table the load waited for)'},
  {code: '25P03', message: /idle-in-transaction timeout/, setting: 'idle_in_transaction_session_timeout', why: ''},
]

function unreachable(target: PostgresTarget, reason: string): ApiError {
  return new ApiError(
    'E_TARGET_UNREACHABLE',
    `Cannot reach PostgreSQL for ${target.display} (${reason}): check the host, the port, sslmode and that the server accepts connections from here; nothing was loaded.`,
  )
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

/**
 * The driver's TLS options for the URL's sslmode, with libpq's meanings: `disable` plain; `allow` and `prefer`
 * TLS without checking the certificate when the server offers it (connectPostgres falls back to plain when it
 * does not); `require` TLS without checking the certificate, or checking its chain when sslrootcert is given
 * (as libpq does); `verify-ca` the chain against sslrootcert, not the host name; `verify-full` (and TLS files
 * without an sslmode, as pg read them) the chain against sslrootcert or the system's CAs, and the host name;
 * pg's own `no-verify` TLS without any check. Spelled out here rather than left to pg 8, which reads prefer,
 * require and verify-ca as verify-full and prints a multi-line warning about that on stderr.
 */
function tlsOptions(tls: PostgresTls | undefined): ConnectionOptions | false | undefined {
  if (tls === undefined) return undefined
  const check = certificateCheck(tls)
  if (check === 'plain') return false
  const files: ConnectionOptions = {}
  if (tls.rootcert) files.ca = readFileSync(tls.rootcert, 'utf8')
  if (tls.cert) files.cert = readFileSync(tls.cert, 'utf8')
  if (tls.key) files.key = readFileSync(tls.key, 'utf8')
  if (check === 'unchecked') return {...files, rejectUnauthorized: false}
  // The chain is checked, the name in the certificate is not.
  if (check === 'chain') return {...files, checkServerIdentity: () => undefined}
  return files
}

/** What the URL's TLS parameters check of the server's certificate, with libpq's meanings (tlsOptions). */
function certificateCheck(tls: PostgresTls): 'plain' | 'unchecked' | 'chain' | 'full' {
  switch (tls.mode) {
    case 'disable':
      return 'plain'
    case 'allow':
    case 'prefer':
    case 'no-verify':
      return 'unchecked'
    case 'require':
      return tls.rootcert ? 'chain' : 'unchecked'
    case 'verify-ca':
      return 'chain'
    default:
      return 'full'
  }
}

/** allow and prefer take a plain connection when the server has no TLS at all, as libpq does. */
function fallsBackToPlain(tls: PostgresTls | undefined): boolean {
  return tls?.mode === 'allow' || tls?.mode === 'prefer'
}

/**
 * One line when the URL's sslmode leaves the server's certificate unchecked (libpq's require without sslrootcert,
 * prefer, allow, pg's no-verify): anyone between the job and the database could then answer in its place and be
 * sent the password. Until pg 8 read require and prefer as verify-full, and earlier READMEs advised require, so a
 * URL that used to verify must not stop verifying without a word. `env` is the process's environment (PGSSLMODE).
 */
export function uncheckedTlsWarning(target: PostgresTarget, env: Record<string, string | undefined>): string | null {
  // A URL without TLS parameters leaves TLS to pg, which reads PGSSLMODE: its no-verify checks nothing either.
  if (target.tls === undefined && env.PGSSLMODE === 'no-verify') {
    return `PGSSLMODE=no-verify (the target has no sslmode) does not check the database server's certificate: whoever answers in its place would be sent the password. Use sslmode=verify-full (with sslrootcert=<CA file> for a private CA) where the network between here and the database is not yours.`
  }
  if (target.tls === undefined || certificateCheck(target.tls) !== 'unchecked') return null
  const mode = target.tls.mode
  const plain = fallsBackToPlain(target.tls) ? ', and falls back to a plain connection when the server has no TLS' : ''
  return `sslmode=${mode} does not check the database server's certificate (libpq's meaning)${plain}: whoever answers in its place would be sent the password. Use sslmode=verify-full (with sslrootcert=<CA file> for a private CA) where the network between here and the database is not yours.`
}

/** Clients whose connection has ended since they connected: the server closed it, or the network dropped it. */
const closedClients = new WeakSet<pg.Client>()

/**
 * The client again, or a new one when its connection has ended meanwhile: a server's idle_session_timeout closes
 * a session left idle while a large input is scanned. Nothing is written before the load's transaction begins,
 * so connecting again changes nothing.
 */
export async function reconnectIfClosed(client: pg.Client, target: PostgresTarget): Promise<pg.Client> {
  if (!closedClients.has(client)) return client
  await client.end().catch(() => undefined)
  return connectPostgres(target)
}

/** Connects first, so that a wrong password or an unreachable host fails before the input is read. */
export async function connectPostgres(target: PostgresTarget): Promise<pg.Client> {
  let client: pg.Client | undefined
  try {
    // A TLS file that cannot be read throws here, with its path.
    const ssl = tlsOptions(target.tls)
    const fallBack = fallsBackToPlain(target.tls)
    for (const attempt of fallBack ? [ssl, false] : [ssl]) {
      const made = new pg.Client({
        connectionString: target.connectionString,
        ...(attempt === undefined ? {} : {ssl: attempt}),
        connectionTimeoutMillis: (target.connectTimeoutSeconds ?? CONNECT_TIMEOUT_SECONDS) * 1000,
        application_name: 'cci-usage',
      })
      client = made
      // A dropped connection is reported by the failing query; without a listener it would crash the process.
      made.on('error', () => undefined)
      made.on('end', () => closedClients.add(made))
      try {
        await client.connect()
        return client
      } catch (error) {
        await client.end().catch(() => undefined)
        client = undefined
        const noTls = (error as Error).message === 'The server does not support SSL connections'
        if (!fallBack || attempt === false || !noTls) throw error
      }
    }
    throw new Error('internal: no connection attempt')
  } catch (error) {
    await client?.end().catch(() => undefined)
    // pg's own words when connectionTimeoutMillis runs out.
    if (!(error instanceof pg.DatabaseError) && (error as Error).message === 'timeout expired') {
      const given = target.connectTimeoutSeconds !== undefined
      throw unreachable(
        target,
        `no answer within ${target.connectTimeoutSeconds ?? CONNECT_TIMEOUT_SECONDS} s, ${given ? "the target's connect_timeout" : 'the default; connect_timeout=SECONDS in the target waits longer'}`,
      )
    }
    throw describePostgresError(error, target)
  }
}

/** Loads `plan` over `client` (from connectPostgres) and closes it. */
export async function loadPostgres(client: pg.Client, target: PostgresTarget, plan: ScannedPlan, log: (line: string) => void): Promise<PostgresLoadResult> {
  const table = qualifiedTable(target)
  const progress: CopyProgress = {path: ''}
  let copying = false
  let committing = false
  try {
    // Read committed whatever default_transaction_isolation the server or role sets: a repeatable read or
    // serializable snapshot is taken by the lock's own statement, before the lock is granted, so a load that
    // waited for another would not see the rows that one committed, and insert its own beside them (or fail).
    await client.query('BEGIN ISOLATION LEVEL READ COMMITTED')
    const lockKey = `cci-usage load ${target.schema}.${target.table}`
    const {rows: [locked]} = await client.query<{ok: boolean}>('SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS ok', [lockKey])
    if (!locked.ok) {
      log(`Waiting for another load into ${target.schema}.${target.table} to finish ...`)
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockKey])
    }
    // The export's timestamps are UTC without a zone; timestamptz reads them in the session's zone.
    await client.query("SET LOCAL TimeZone = 'UTC'")
    await createMissing(client, target)
    await checkColumns(client, target, plan)
    await lockTable(client, target, log)

    const replaced = replacedRows(plan)
    let deleted = 0
    for (const part of replaced) {
      deleted += (await client.query(`DELETE FROM ${table} AS t${part.using ? ` USING ${part.using}` : ''} WHERE ${part.where}`, part.params)).rowCount ?? 0
    }
    await checkDeleted(client, target, replaced)

    let rows = 0
    for (const [fileIndex, file] of plan.files.entries()) {
      const wholeDays = new Set(plan.wholeDaysByFile[fileIndex])
      const joblessElsewhere = new Set(plan.joblessKeep.filter((pair) => pair.keep !== fileIndex).map((pair) => `${pair.org}\u0000${pair.day}`))
      const columns = copyColumnsFor(file.header)
      if (columns.unknown.length > 0) {
        log(`${file.path}: column(s) ${columns.unknown.join(', ')} have no place in the table and are not loaded (TOTAL_CREDITS still includes any credits in them).`)
      }
      const sql = `COPY ${table} (${columns.names.map((name) => pg.escapeIdentifier(name)).join(', ')}) FROM STDIN WITH (FORMAT csv, NULL ${pg.escapeLiteral(CSV_NULL)})`
      progress.path = file.path
      progress.sourceLine = undefined
      copying = true
      const copied = await copyOne(client, sql, (sink) =>
        copyFileInto(sink, {file, fileIndex, keepFileOf: plan.keepFileOf, wholeDays, dropUnidentified: plan.skipped.rows > 0, joblessElsewhere, onLineMap: (map) => (progress.sourceLine = map)}, columns),
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
    committing = true
    await client.query('COMMIT')
    return {rows, deleted}
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw lostConnection(error, target, committing) ?? describePostgresError(error, target, copying ? progress : undefined)
  } finally {
    await client.end().catch(() => undefined)
  }
}

/** The rows a load replaces, as a DELETE FROM the table `t` names them, so that checkDeleted can count what it left. */
interface Replaced {
  using?: string
  where: string
  params: unknown[]
}

function replacedRows(plan: ScannedPlan): Replaced[] {
  const parts: Replaced[] = []
  if (plan.wholePairs.length > 0) {
    // The cast serves a hand-made table that keeps the day as text or a timestamp, which hold it (checkTable); on a
    // date column it is no cast at all, and the (organization, day) index serves the delete.
    parts.push({
      using: 'unnest($1::text[], $2::date[], $3::timestamptz[]) AS p(org, day, window_end)',
      where: `t.organization_id = p.org AND CAST(t.job_run_date AS date) = p.day AND ${replacedOnWholeDay('t.job_id', 't.job_run_started_at', 'p.window_end', 'postgres')}`,
      params: [plan.wholePairs.map((pair) => pair.org), plan.wholePairs.map((pair) => pair.day), plan.wholePairs.map((pair) => pair.windowEnd)],
    })
  }
  if (plan.edgeJobIds.length > 0) parts.push({where: 't.job_id = ANY($1::text[])', params: [plan.edgeJobIds]})
  return parts
}

/**
 * A DELETE that a rule (`DO INSTEAD NOTHING`) or a BEFORE DELETE trigger returning NULL turns into nothing says so
 * only by its row count, which cannot tell it from a day with no rows yet; COPY invokes no rule, so the rows would
 * be there twice. So what the deletes should have removed is counted again (the same index scans) before the COPY.
 */
async function checkDeleted(client: pg.Client, target: PostgresTarget, replaced: readonly Replaced[]): Promise<void> {
  let kept = 0
  for (const part of replaced) {
    const from = `${qualifiedTable(target)} AS t${part.using ? `, ${part.using}` : ''}`
    const {rows: [left]} = await client.query<{count: string}>(`SELECT count(*) AS count FROM ${from} WHERE ${part.where}`, part.params)
    kept += Number(left.count)
  }
  if (kept === 0) return
  const {rows} = await client.query<{what: string}>(
    `SELECT 'rule ' || rulename AS what FROM pg_rules WHERE schemaname = $1 AND tablename = $2 AND definition ~ 'ON DELETE'
     UNION ALL
     SELECT 'trigger ' || tgname FROM pg_trigger WHERE tgrelid = $3::regclass AND NOT tgisinternal AND tgenabled <> 'D' AND (tgtype & 11) = 11
     ORDER BY 1`,
    [target.schema, target.table, qualifiedTable(target)],
  )
  const why = rows.length > 0 ? `its ${rows.map((row) => row.what).join(', ')}` : 'a rule or a BEFORE DELETE trigger'
  throw new BadInputError(
    'E_TARGET_TABLE',
    `Table ${target.schema}.${target.table} kept ${kept} row(s) the load deletes (${why}): the load would hold them twice. Drop or disable it for the loading role, or load into a new table with ?table=. Nothing was loaded.`,
  )
}

/**
 * The deletes and the COPY take ROW EXCLUSIVE on the table, which waits for any session holding a lock that
 * conflicts with it (an ALTER TABLE, VACUUM FULL, LOCK TABLE or plain CREATE INDEX in an open transaction), for
 * as long as the server's lock_timeout allows: by default without end. Said once, naming the sessions, so that a
 * load that seems to hang tells who holds it. Readers (ACCESS SHARE) and other writers do not conflict.
 */
async function lockTable(client: pg.Client, target: PostgresTarget, log: (line: string) => void): Promise<void> {
  const table = qualifiedTable(target)
  await client.query('SAVEPOINT cci_usage_lock')
  try {
    await client.query(`LOCK TABLE ${table} IN ROW EXCLUSIVE MODE NOWAIT`)
    await client.query('RELEASE SAVEPOINT cci_usage_lock')
    return
  } catch (error) {
    if ((error as {code?: string}).code !== '55P03') throw error
    await client.query('ROLLBACK TO SAVEPOINT cci_usage_lock')
  }
  const {rows} = await client.query<{pid: number; mode: string}>(
    `SELECT DISTINCT pid, mode FROM pg_locks WHERE locktype = 'relation' AND relation = $1::regclass AND granted AND pid <> pg_backend_pid()
       AND mode IN ('ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock') ORDER BY pid, mode`,
    [table],
  )
  const holders = rows.map((row) => `pid ${row.pid} (${row.mode})`).join(', ') || 'another session'
  log(`Waiting for a lock on ${target.schema}.${target.table} held by ${holders}: the load goes on when that transaction ends (or the server's lock_timeout ends the wait) ...`)
  await client.query(`LOCK TABLE ${table} IN ROW EXCLUSIVE MODE`)
}

/**
 * A connection that drops once the load has begun is not a host to check: say what became of the load. Before
 * COMMIT the server rolls the transaction back; once COMMIT is sent, it may have committed it with the answer
 * lost on the way. Either way a rerun of the same load leaves each row once.
 */
function lostConnection(error: unknown, target: PostgresTarget, committing: boolean): CciUsageError | undefined {
  if (error instanceof CciUsageError || error instanceof pg.DatabaseError) return undefined
  const failure = error as Error & {code?: string}
  const code = failure.code ?? ''
  if (!NETWORK_CODES.has(code) && !/connection terminated/i.test(failure.message ?? '')) return undefined
  const outcome = committing
    ? 'lost the connection while the load committed: the server may have committed it or not'
    : 'lost the connection before the load committed: the server rolls it back'
  return new ApiError(
    'E_TARGET_LOST',
    `PostgreSQL for ${target.display} ${outcome} (${code || oneLine(failure.message)}); run the same load again once the server answers (it replaces what it loads, so each row stays once).`,
  )
}

/** What a relation of the table's name is, when it is not a table the load can delete from and COPY into. */
const NOT_A_TABLE: Record<string, string> = {
  v: 'a view',
  m: 'a materialized view',
  f: 'a foreign table',
  S: 'a sequence',
  i: 'an index',
  I: 'an index',
  c: 'a composite type',
}

/**
 * Creates what is missing of the schema, the table and its indexes, and only that: `CREATE ... IF NOT EXISTS`
 * checks the privilege to create before it looks whether the object exists (CREATE on the database for a
 * schema, on the schema for a table, owning the table for an index), so a role that may load a table an
 * administrator made with `--print-ddl`, but create nothing, would be refused. An index missing from a table the
 * role does not own is its owner's to make: the deletes then scan the table, and the load is as exact.
 */
async function createMissing(client: pg.Client, target: PostgresTarget): Promise<void> {
  const ddl = postgresStatements(target)
  const {rows: [found]} = await client.query<{schema: boolean; kind: string | null; owned: boolean | null; indexes: string[]}>(
    `SELECT n.oid IS NOT NULL AS schema, c.relkind AS kind, pg_has_role(c.relowner, 'USAGE') AS owned,
       ARRAY(SELECT i.relname::text FROM pg_class i WHERE i.relnamespace = n.oid AND i.relname = ANY($3::text[])) AS indexes
     FROM (SELECT 1) AS one LEFT JOIN pg_namespace n ON n.nspname = $1 LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = $2`,
    [target.schema, target.table, ddl.indexes.map((index) => index.name)],
  )
  if (!found.schema) await client.query(ddl.schema)
  if (found.kind === null) {
    await client.query(ddl.table)
    for (const index of ddl.indexes) await client.query(index.statement)
    return
  }
  if (found.kind !== 'r' && found.kind !== 'p') {
    throw new BadInputError(
      'E_TARGET_TABLE',
      `${target.schema}.${target.table} is ${NOT_A_TABLE[found.kind] ?? 'not a table'}: the load deletes from and copies into a table; give another name with ?table= (the load creates it) or schema=. Nothing was loaded.`,
    )
  }
  if (!found.owned) return
  for (const index of ddl.indexes) if (!found.indexes.includes(index.name)) await client.query(index.statement)
}

/** An existing table's column, as information_schema describes it. */
interface TableColumn {
  column_name: string
  data_type: string
  udt_name: string
  is_nullable: 'YES' | 'NO'
  has_default: boolean
  is_identity: 'YES' | 'NO'
  is_generated: string
  character_maximum_length: number | null
  numeric_precision: number | null
  numeric_scale: number | null
}

/** The table's columns; none when it does not exist (yet). */
async function tableColumns(client: pg.Client, target: PostgresTarget): Promise<TableColumn[]> {
  const {rows} = await client.query<TableColumn>(
    // Not information_schema's column_default: its pg_get_expr opens the table, so that a session holding a lock
    // on it (an ALTER TABLE in an open transaction) would hold this query up before the load can say so (lockTable).
    // pg_attribute's own flag says the same without opening it; to_regclass is null while the table does not exist.
    `SELECT column_name, data_type, udt_name, is_nullable, is_identity, is_generated, character_maximum_length, numeric_precision, numeric_scale,
       coalesce((SELECT a.atthasdef FROM pg_attribute a WHERE a.attrelid = to_regclass($3) AND a.attname = c.column_name), false) AS has_default
     FROM information_schema.columns AS c WHERE table_schema = $1 AND table_name = $2`,
    [target.schema, target.table, qualifiedTable(target)],
  )
  return rows
}

/**
 * Before the input is scanned: the export columns (UPPER_CASE names) whose varchar(n) or char(n) limit in an
 * existing table the scan must measure the input against. The table is checked once the lengths are known, so
 * that its one refusal names every column to fix.
 */
export async function inspectTable(client: pg.Client, target: PostgresTarget): Promise<string[]> {
  try {
    const columns = await tableColumns(client, target)
    const byName = new Map(columns.map((column) => [column.column_name, column]))
    return WAREHOUSE_COLUMNS.filter((column) => column.type === 'text' && isBoundedText(byName.get(column.name))).map((column) => column.source)
  } catch (error) {
    throw describePostgresError(error, target)
  }
}

/** The check under the load's lock, right before the deletes: the table may have changed since inspectTable. */
async function checkColumns(client: pg.Client, target: PostgresTarget, plan: LoadPlan): Promise<void> {
  checkTable(target, await tableColumns(client, target), plan.textLengths ?? new Map())
}

/** One thing about a column that would make the load fail half-way, or store less than the export holds. */
interface Problem {
  /** The column as found and why it cannot take the load. */
  found: string
  /** The ALTER COLUMN clause that fixes it. */
  fix: string
}

/**
 * A table made by hand or by an older version must take every row the COPY sends, or the load fails half-way
 * with Postgres' error about some row, which reads as if the input were wrong. So every column the COPY names
 * must exist; be nullable (the export leaves any column empty on some rows, and the loader declares them all
 * nullable); have a type holding every value of the loader's type (an integer column overflows on a bigint, and a
 * numeric credit column with fewer than six decimals or a float one rounds without an error, committing fewer
 * credits than the load reports); and, for text, be no shorter than the input's values. A column the COPY does not
 * name must take its default. `lengths` holds the input's longest value per measured column (UPPER_CASE name).
 */
function checkTable(target: PostgresTarget, columns: readonly TableColumn[], lengths: ReadonlyMap<string, number>): void {
  if (columns.length === 0) return
  const present = new Map(columns.map((column) => [column.column_name, column]))
  const name = `${target.schema}.${target.table}`
  const missing = [...WAREHOUSE_COLUMNS.map((column) => column.name), LOADED_AT].filter((column) => !present.has(column))
  if (missing.length > 0) {
    throw new BadInputError(
      'E_TARGET_TABLE',
      `Table ${name} lacks column(s) ${missing.join(', ')}: add them (see \`cci-usage load --print-ddl postgres\`) or load into a new table with ?table=. Nothing was loaded.`,
    )
  }
  const problems: Problem[] = []
  for (const column of WAREHOUSE_COLUMNS) {
    const found = present.get(column.name)!
    const quoted = pg.escapeIdentifier(column.name)
    const wanted = dialectType('postgres', column.type)
    if (found.is_nullable === 'NO') {
      problems.push({found: `${column.name} NOT NULL (the export leaves it empty on some rows)`, fix: `ALTER COLUMN ${quoted} DROP NOT NULL`})
    }
    if (column.type === 'text' && isBoundedText(found)) {
      const longest = lengths.get(column.source)
      if (longest === undefined) {
        // Only when the table changed between inspectTable and the load's lock: the input was not measured.
        problems.push({found: `${column.name} ${describeType(found)} (a limit the input was not measured against)`, fix: `ALTER COLUMN ${quoted} TYPE text`})
      } else if (longest > found.character_maximum_length!) {
        problems.push({found: `${column.name} ${describeType(found)} (the input has values of ${longest} characters)`, fix: `ALTER COLUMN ${quoted} TYPE text`})
      }
    } else if (!holds(column.type, found)) {
      const why = column.type === 'credits' ? `would not hold the export's credits exactly, which need ${wanted}` : `cannot hold every value of the loader's ${wanted}`
      problems.push({found: `${column.name} ${describeType(found)} (${why})`, fix: `ALTER COLUMN ${quoted} TYPE ${wanted}`})
    }
  }
  const written = new Set(WAREHOUSE_COLUMNS.map((column) => column.name))
  for (const found of columns) {
    if (written.has(found.column_name) || found.is_nullable === 'YES' || found.has_default) continue
    if (found.is_identity === 'YES' || found.is_generated === 'ALWAYS') continue
    const quoted = pg.escapeIdentifier(found.column_name)
    problems.push(
      found.column_name === LOADED_AT
        ? {found: `${LOADED_AT} NOT NULL without a default (the load leaves it to the default, the load's time)`, fix: `ALTER COLUMN ${quoted} SET DEFAULT now()`}
        : {found: `${found.column_name} NOT NULL without a default (not an export column, so the load leaves it empty)`, fix: `ALTER COLUMN ${quoted} DROP NOT NULL`},
    )
  }
  if (problems.length === 0) return
  throw new BadInputError(
    'E_TARGET_TABLE',
    `Table ${name} cannot take this load as it is: ${problems.map((problem) => problem.found).join(', ')}. ` +
      `Fix it with ALTER TABLE ${qualifiedTable(target)} ${problems.map((problem) => problem.fix).join(', ')}; or load into a new table with ?table=. Nothing was loaded.`,
  )
}

function isUnboundedText(column: TableColumn): boolean {
  return column.data_type === 'text' || (column.data_type === 'character varying' && column.character_maximum_length === null)
}

function isBoundedText(column: TableColumn | undefined): boolean {
  return column !== undefined && (column.data_type === 'character varying' || column.data_type === 'character') && column.character_maximum_length !== null
}

/** numeric without a typmod, or with at least `digits` integer digits and `scale` decimals. */
function numericHolds(column: TableColumn, digits: number, scale = 0): boolean {
  if (column.data_type !== 'numeric') return false
  if (column.numeric_precision === null || column.numeric_scale === null) return true
  return column.numeric_scale >= scale && column.numeric_precision - column.numeric_scale >= digits
}

/**
 * Whether a column of this type stores every value the loader writes as `type` exactly. Unbounded text holds the
 * export's text of anything; numbers must not narrow (bigint needs 19 digits) nor round (no real for doubles).
 */
function holds(type: WarehouseType, column: TableColumn): boolean {
  if (type === 'credits') return numericHolds(column, CREDIT_PRECISION - CREDIT_SCALE, CREDIT_SCALE)
  if (isUnboundedText(column)) return true
  switch (type) {
    case 'text':
      return false
    case 'date':
      return ['date', 'timestamp without time zone', 'timestamp with time zone'].includes(column.data_type)
    case 'timestamp':
      return ['timestamp without time zone', 'timestamp with time zone'].includes(column.data_type)
    case 'bigint':
      return column.data_type === 'bigint' || numericHolds(column, 19)
    case 'integer':
      return column.data_type === 'integer' || column.data_type === 'bigint' || numericHolds(column, 10)
    case 'double':
      return column.data_type === 'double precision' || (column.data_type === 'numeric' && column.numeric_precision === null)
    case 'boolean':
      return column.data_type === 'boolean'
  }
}

function describeType(column: TableColumn): string {
  if (column.data_type === 'numeric' && column.numeric_precision !== null) return `numeric(${column.numeric_precision},${column.numeric_scale})`
  if (column.character_maximum_length !== null) return `${column.data_type}(${column.character_maximum_length})`
  return column.data_type === 'USER-DEFINED' || column.data_type === 'ARRAY' ? column.udt_name : column.data_type
}
