/**
 * `load --to postgres://` in a warehouse run by a DBA (real PostgreSQL, no mock): a role that may load a table an
 * administrator made but create nothing, a name taken by a view, the server's timeouts, a connection terminated
 * mid-load and the rerun after it. Each credit must be in the table exactly once, per day against the export.
 */
import {connect, createServer, type AddressInfo, type Socket} from 'node:net'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import pg from 'pg'

import {runCli, type CliResult} from '../helpers/cli.js'
import {postgresLoadSuite} from '../helpers/postgres.js'
import {GOLDEN_EXPORT} from '../helpers/repo.js'
import {field, goldenLines, microCredits, NULL_CELL, withFields, writeCsv, type Lines} from './fixtures.js'

const suite = postgresLoadSuite('the Postgres operations tests', 'cci-usage-pg-ops-')
const {maybe} = suite

/** A password with every character a URL gives a meaning to; the URL percent-encodes it. */
const LOADER_PASSWORD = 'l@d:r/%#pw'

let counter = 0
function fresh(prefix: string): string {
  counter++
  return `${prefix}${counter}`
}

function load(url: string): Promise<CliResult> {
  return runCli(['load', '--input', GOLDEN_EXPORT, '--to', url])
}

function errorLines(result: CliResult): string[] {
  return result.stderr.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('No export window'))
}

/** Runs `use` with a session of the test server's superuser (another application beside the load), ended after. */
async function withSession(use: (session: pg.Client) => Promise<void>): Promise<void> {
  const session = new pg.Client({connectionString: suite.server.url()})
  await session.connect()
  try {
    await use(session)
  } finally {
    await session.end()
  }
}

/** Polls the test server until `sql` answers `value`. */
async function untilServerSays(sql: string, value: string): Promise<void> {
  while (suite.server.sql(sql) !== value) await new Promise((resolve) => setTimeout(resolve, 20))
}

/** The load ended with exit 0 and printed nothing but lines starting with `expected` (if any). */
function expectLoaded(result: CliResult, expected?: string): void {
  expect(errorLines(result).filter((line) => expected === undefined || !line.startsWith(expected))).toEqual([])
  expect(result.code).toBe(0)
}

/** The printed DDL (schema, table, indexes) for schema.table, run by the test server's superuser. */
async function adminCreates(schema: string, table: string): Promise<void> {
  const printed = await runCli(['load', '--print-ddl', 'postgres'])
  suite.server.sql(printed.stdout.replaceAll('"public"', `"${schema}"`).replaceAll('"circleci_usage', `"${table}`))
}

/** A login role with only the privileges `grants` gives it (PostgreSQL 15: nothing on public, the database). */
function loaderRole(grants: (role: string) => string): string {
  const role = fresh('loader_')
  suite.server.sql(`CREATE ROLE ${role} LOGIN PASSWORD '${LOADER_PASSWORD}'; ${grants(role)}`)
  return role
}

/** TOTAL_CREDITS per JOB_RUN_DATE in micro-credits, from the export's text (no float, no SQL). */
function exportCreditsByDay(lines: Lines = goldenLines()): Map<string, bigint> {
  const days = new Map<string, bigint>()
  for (const row of lines.rows) {
    const day = field(row, 'JOB_RUN_DATE') === NULL_CELL ? 'null' : field(row, 'JOB_RUN_DATE')
    days.set(day, (days.get(day) ?? 0n) + microCredits(field(row, 'TOTAL_CREDITS')))
  }
  return days
}

function tableCreditsByDay(qualified: string): Map<string, bigint> {
  const text = suite.server.sql(`SELECT day || '|' || credits FROM (SELECT coalesce(job_run_date::text, 'null') AS day, sum(total_credits) AS credits FROM ${qualified} GROUP BY 1) AS d ORDER BY 1`)
  return new Map(text.split('\n').filter(Boolean).map((line) => [line.split('|')[0], microCredits(line.split('|')[1])]))
}

function rowsAndJobs(qualified: string): string {
  return suite.server.sql(`SELECT count(*) || ' rows, ' || count(DISTINCT job_id) || ' jobs' FROM ${qualified}`)
}

/** The table holds the golden export's credits on each day, each of its 1,260 rows once. */
function expectGoldenOnce(qualified: string): void {
  expect(tableCreditsByDay(qualified)).toEqual(exportCreditsByDay())
  expect(rowsAndJobs(qualified)).toBe('1260 rows, 1260 jobs')
}

/** ReadyForQuery: the server's message that it has answered a query whole. */
const READY_FOR_QUERY = Buffer.from([0x5a, 0, 0, 0, 5])

/**
 * A TCP relay to the test server whose connections the test can cut, as a network or a server going away would:
 * at once with `cut`, or, with `cutAfterReplyTo`, the first connection right after the server has answered the
 * first query containing that text (as a server closes a session once it has been idle long enough).
 */
async function relay(cutAfterReplyTo?: string): Promise<{port: number; cut: () => void; close: () => Promise<void>}> {
  const sockets = new Set<Socket>()
  let armed = cutAfterReplyTo !== undefined
  const server = createServer((client) => {
    const upstream = connect(suite.server.port, '127.0.0.1')
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('error', () => undefined)
    }
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
    let asked = false
    client.on('data', (chunk: Buffer) => {
      if (armed && cutAfterReplyTo && chunk.includes(cutAfterReplyTo)) asked = true
      upstream.write(chunk)
    })
    upstream.on('data', (chunk: Buffer) => {
      if (!asked || !chunk.includes(READY_FOR_QUERY)) return void client.write(chunk)
      armed = false
      asked = false
      client.write(chunk, () => {
        client.resetAndDestroy()
        upstream.resetAndDestroy()
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    cut: () => {
      for (const socket of sockets) socket.resetAndDestroy()
      sockets.clear()
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

describe('load --to postgres:// under a DBA\'s rules (real PostgreSQL)', () => {
  maybe('a role with SELECT, INSERT and DELETE on a table an administrator made with --print-ddl, and no CREATE anywhere, loads it exactly, twice', async () => {
    const schema = fresh('ops_')
    await adminCreates(schema, 'usage')
    const role = loaderRole((name) => `GRANT USAGE ON SCHEMA ${schema} TO ${name}; GRANT SELECT, INSERT, DELETE ON ${schema}.usage TO ${name};`)
    const url = suite.server.url({user: role, password: LOADER_PASSWORD, query: `schema=${schema}&table=usage`})
    for (let i = 0; i < 2; i++) {
      const result = await load(url)
      expectLoaded(result)
    }
    expectGoldenOnce(`${schema}.usage`)
    // Still the administrator's table.
    expect(suite.server.sql(`SELECT tableowner FROM pg_tables WHERE schemaname = '${schema}' AND tablename = 'usage'`)).toBe(suite.server.user)
  }, 60_000)

  maybe('without the right to create a missing schema or table, or to use the schema: one line, exit 3, nothing made, no password', async () => {
    const schema = fresh('ops_')
    suite.server.sql(`CREATE SCHEMA ${schema}`)
    const role = loaderRole(() => '')
    for (const [query, denied] of [
      [`schema=${fresh('absent_')}`, 'permission denied for database'],
      [`schema=${schema}`, `permission denied for schema ${schema}`],
    ]) {
      const result = await load(suite.server.url({user: role, password: LOADER_PASSWORD, query}))
      expect(result.code).toBe(3)
      const lines = errorLines(result)
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain(denied)
      expect(lines[0]).toMatch(/USAGE on the schema and SELECT, INSERT and DELETE on the table/)
      expect(result.stderr + result.stdout).not.toContain(LOADER_PASSWORD)
      expect(result.stderr + result.stdout).not.toContain(encodeURIComponent(LOADER_PASSWORD))
    }
    expect(suite.server.sql(`SELECT count(*) FROM pg_class WHERE relnamespace = '${schema}'::regnamespace`)).toBe('0')

    const database = fresh('closed_')
    suite.server.sql(`CREATE DATABASE ${database}`)
    suite.server.sql(`REVOKE CONNECT ON DATABASE ${database} FROM PUBLIC`)
    const refused = await load(suite.server.url({user: role, password: LOADER_PASSWORD, database}))
    expect(refused.code).toBe(3)
    expect(errorLines(refused)).toEqual([expect.stringMatching(/\(permission denied for database "closed_\d+"; User does not have CONNECT privilege\.\): the user needs CONNECT on the database, USAGE on the schema/)])
  }, 60_000)

  maybe('a view with the table\'s name is refused before anything is deleted through it', async () => {
    const schema = fresh('ops_')
    await adminCreates(schema, 'base')
    expect((await load(suite.server.url({query: `schema=${schema}&table=base`}))).code).toBe(0)
    suite.server.sql(`CREATE VIEW ${schema}.usage AS SELECT * FROM ${schema}.base`)
    const result = await load(suite.server.url({query: `schema=${schema}&table=usage`}))
    expect(errorLines(result)).toEqual([`Error: ${schema}.usage is a view: the load deletes from and copies into a table; give another name with ?table= (the load creates it) or schema=. Nothing was loaded.`])
    expect(result.code).toBe(2)
    expect(tableCreditsByDay(`${schema}.base`)).toEqual(exportCreditsByDay())
    expect(suite.server.sql(`SELECT count(*) FROM pg_indexes WHERE schemaname = '${schema}' AND tablename = 'usage'`)).toBe('0')
  }, 60_000)

  maybe('the server\'s lock_timeout and statement_timeout, run out while another session locks the table, are named as such, not as an unreachable server', async () => {
    const table = fresh('timed_')
    expect((await load(suite.server.url({query: `table=${table}`}))).code).toBe(0)
    await withSession(async (holder) => {
      await holder.query(`BEGIN; LOCK TABLE public.${table} IN ACCESS EXCLUSIVE MODE`)
      for (const setting of ['lock_timeout', 'statement_timeout']) {
        const result = await load(suite.server.url({query: `table=${table}&options=${encodeURIComponent(`-c ${setting}=200`)}`}))
        expect(result.code).toBe(4)
        const lines = errorLines(result).filter((line) => !line.startsWith('Waiting for a lock'))
        expect(lines).toHaveLength(1)
        expect(lines[0]).toContain(`canceling statement due to ${setting.replace('_timeout', '')} timeout`)
        expect(lines[0]).toContain(`nothing was committed; the server's ${setting} ended the load`)
        expect(lines[0]).not.toMatch(/Cannot reach/)
      }
    })
    expect(tableCreditsByDay(`public.${table}`)).toEqual(exportCreditsByDay())
  }, 60_000)

  maybe('two loads waiting for each other under a server default of REPEATABLE READ or SERIALIZABLE leave each credit once, and both succeed', async () => {
    for (const level of ['repeatable read', 'serializable']) {
      const table = fresh('iso_')
      await adminCreates('public', table)
      const url = suite.server.url({query: `table=${table}&options=${encodeURIComponent(`-c default_transaction_isolation=${level.replace(' ', '\\ ')}`)}`})
      // The test holds the loads' lock until both wait for it: each has begun its transaction by then.
      await withSession(async (holder) => {
        await holder.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [`cci-usage load public.${table}`])
        const loads = [load(url), load(url)]
        await untilServerSays(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`, '2')
        await holder.query('SELECT pg_advisory_unlock_all()')
        for (const result of await Promise.all(loads)) {
          expectLoaded(result, 'Waiting for another load')
        }
      })
      expectGoldenOnce(`public.${table}`)
    }
  }, 60_000)

  maybe('a load whose connection is terminated while it deletes or while it commits leaves the previous rows exactly, which readers see meanwhile; the rerun leaves the new ones exactly', async () => {
    const golden = goldenLines()
    // The same jobs with other credits (one more on each row that has some), loaded before: what must survive.
    const before: Lines = {header: golden.header, rows: golden.rows.map((row) => (/^\d+$/.test(field(row, 'TOTAL_CREDITS')) ? withFields(row, {TOTAL_CREDITS: String(Number(field(row, 'TOTAL_CREDITS')) + 1)}) : row))}
    const table = fresh('cut_')
    const url = suite.server.url({query: `table=${table}`})
    expect((await runCli(['load', '--input', writeCsv(join(suite.work, 'before.csv'), before), '--to', url])).code).toBe(0)
    expect(tableCreditsByDay(`public.${table}`)).toEqual(exportCreditsByDay(before))
    suite.server.sql(`CREATE FUNCTION public.${table}_hold() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock_shared(4242); RETURN NULL; END $$;
      CREATE CONSTRAINT TRIGGER hold AFTER INSERT ON public.${table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.${table}_hold()`)
    await withSession(async (holder) => {
      // While it deletes: a row of a replaced day is locked, so the DELETE waits; at COMMIT: the deferred trigger waits.
      for (const [hold, statement] of [
        [`BEGIN; SELECT 1 FROM public.${table} WHERE job_id = '${field(golden.rows[100], 'JOB_ID')}' FOR UPDATE`, 'DELETE'],
        ['BEGIN; SELECT pg_advisory_xact_lock(4242)', 'COMMIT'],
      ]) {
        await holder.query(hold)
        const loading = load(url)
        let pid = ''
        while (pid === '') {
          pid = suite.server.sql(`SELECT pid FROM pg_stat_activity WHERE application_name = 'cci-usage' AND wait_event_type = 'Lock' AND query LIKE '${statement}%'`)
        }
        // A reader meanwhile (at COMMIT, with every DELETE and the COPY done) sees the previous rows, all of them.
        expect(tableCreditsByDay(`public.${table}`)).toEqual(exportCreditsByDay(before))
        expect(suite.server.sql(`SELECT pg_terminate_backend(${pid})`)).toBe('t')
        const result = await loading
        expect(result.code).toBe(4)
        expect(errorLines(result)).toEqual([expect.stringContaining('terminating connection due to administrator command, SQLSTATE 57P01); nothing was committed.')])
        await holder.query('ROLLBACK')
        expect(tableCreditsByDay(`public.${table}`)).toEqual(exportCreditsByDay(before))
      }
    })
    expect((await load(url)).code).toBe(0)
    expectGoldenOnce(`public.${table}`)
  }, 60_000)

  maybe('a connection lost while the load commits is not reported as "nothing was loaded": the server may have committed it, and here it did', async () => {
    const golden = goldenLines()
    const table = fresh('lost_')
    expect((await load(suite.server.url({query: `table=${table}`}))).code).toBe(0)
    suite.server.sql(`CREATE FUNCTION public.${table}_hold() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock_shared(4343); RETURN NULL; END $$;
      CREATE CONSTRAINT TRIGGER hold AFTER INSERT ON public.${table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.${table}_hold()`)
    const previous = suite.server.sql(`SELECT max(loaded_at) FROM public.${table}`)
    const network = await relay()
    try {
      await withSession(async (holder) => {
        await holder.query('BEGIN; SELECT pg_advisory_xact_lock(4343)')
        const loading = load(suite.server.url({port: network.port, query: `table=${table}`}))
        await untilServerSays(`SELECT count(*) FROM pg_stat_activity WHERE application_name = 'cci-usage' AND wait_event_type = 'Lock' AND query = 'COMMIT'`, '1')
        network.cut()
        const result = await loading
        expect(result.code).toBe(4)
        const lines = errorLines(result)
        expect(lines).toHaveLength(1)
        expect(lines[0]).not.toMatch(/nothing was (loaded|committed)/)
        expect(lines[0]).toContain('lost the connection while the load committed: the server may have committed it or not')
        // The server finishes the COMMIT it was given once the trigger may go on.
        await holder.query('COMMIT')
        await untilServerSays(`SELECT count(*) FROM pg_stat_activity WHERE application_name = 'cci-usage'`, '0')
        expect(suite.server.sql(`SELECT count(*) FROM public.${table} WHERE loaded_at > '${previous}'`)).toBe('1260')
      })
    } finally {
      await network.close()
    }
    expect(tableCreditsByDay(`public.${table}`)).toEqual(exportCreditsByDay(golden))
  }, 60_000)

  maybe('a session holding a lock the load conflicts with is named while the load waits for it; one writing other rows does not hold it up', async () => {
    const table = fresh('wait_')
    expect((await load(suite.server.url({query: `table=${table}`}))).code).toBe(0)
    await withSession(async (holder) => {
      const {rows: [{pid}]} = await holder.query<{pid: number}>('SELECT pg_backend_pid() AS pid')
      // Another application's open transaction that wrote to the table: the load takes no lock it conflicts with.
      await holder.query(`BEGIN; INSERT INTO public.${table} (organization_id, job_id) VALUES ('another-org', 'its-own-job')`)
      const beside = await load(suite.server.url({query: `table=${table}&options=${encodeURIComponent('-c lock_timeout=500')}`}))
      expectLoaded(beside)
      await holder.query('ROLLBACK')

      await holder.query(`BEGIN; LOCK TABLE public.${table} IN ACCESS EXCLUSIVE MODE`)
      const loading = load(suite.server.url({query: `table=${table}`}))
      await untilServerSays(`SELECT count(*) FROM pg_stat_activity WHERE application_name = 'cci-usage' AND wait_event_type = 'Lock'`, '1')
      await holder.query('COMMIT')
      const waited = await loading
      expect(waited.code).toBe(0)
      expect(errorLines(waited)).toEqual([`Waiting for a lock on public.${table} held by pid ${pid} (AccessExclusiveLock): the load goes on when that transaction ends (or the server's lock_timeout ends the wait) ...`])
    })
    expect(tableCreditsByDay(`public.${table}`)).toEqual(exportCreditsByDay())
  }, 60_000)

  maybe('a rule or BEFORE DELETE trigger that keeps the rows the load replaces is refused before the COPY, instead of every credit loaded twice', async () => {
    for (const [keeper, named] of [
      ['CREATE RULE keep_rows AS ON DELETE TO public.TABLE DO INSTEAD NOTHING', 'rule keep_rows'],
      [`CREATE FUNCTION public.TABLE_keep() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
        CREATE TRIGGER keep_rows BEFORE DELETE ON public.TABLE FOR EACH ROW EXECUTE FUNCTION public.TABLE_keep()`, 'trigger keep_rows'],
    ]) {
      const table = fresh('kept_')
      const url = suite.server.url({query: `table=${table}`})
      expect((await load(url)).code).toBe(0)
      suite.server.sql(keeper.replaceAll('TABLE', table))
      const result = await load(url)
      expect(result.code).toBe(2)
      const lines = errorLines(result)
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(new RegExp(`^Error: Table public\\.${table} kept 1260 row\\(s\\) the load deletes \\(its ${named}\\)`))
      expectGoldenOnce(`public.${table}`)
    }
  }, 60_000)

  maybe('a Unix socket, its folder percent-encoded as the host, with a password full of URL characters: loaded exactly, the password never shown', async () => {
    const role = loaderRole((name) => `GRANT CREATE ON DATABASE ${suite.server.database} TO ${name}`)
    const schema = fresh('sock_')
    const folder = suite.server.sql('SHOW unix_socket_directories').split(',')[0].trim()
    const url = suite.server.url({user: role, password: LOADER_PASSWORD, host: encodeURIComponent(folder), query: `schema=${schema}`})
    const result = await load(url)
    expectLoaded(result)
    expect(result.stdout).toContain(`into postgres://${role}@${encodeURIComponent(folder)}:${suite.server.port}/${suite.server.database} table ${schema}.circleci_usage`)
    expect(result.stdout + result.stderr).not.toContain(encodeURIComponent(LOADER_PASSWORD))
    expect(result.stdout + result.stderr).not.toContain(LOADER_PASSWORD)
    expect(tableCreditsByDay(`${schema}.circleci_usage`)).toEqual(exportCreditsByDay())
  }, 60_000)

  maybe('connect_timeout in the target bounds the wait for a server that accepts the connection and never answers, as libpq reads it', async () => {
    const silent = createServer(() => undefined)
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    try {
      const port = (silent.address() as AddressInfo).port
      const result = await load(suite.server.url({port, query: 'connect_timeout=2'}))
      expect(result.code).toBe(4)
      expect(errorLines(result)).toEqual([
        `Error: Cannot reach PostgreSQL for postgres://${suite.server.user}@127.0.0.1:${port}/${suite.server.database} table public.circleci_usage (no answer within 2 s, the target's connect_timeout): check the host, the port, sslmode and that the server accepts connections from here; nothing was loaded.`,
      ])
    } finally {
      silent.close()
    }
  }, 60_000)

  maybe('a connection the server closes while the load scans its input (a DBA\'s idle_session_timeout) is opened again: the load goes on, exactly', async () => {
    const table = fresh('idle_')
    const network = await relay('information_schema.columns')
    try {
      const result = await load(suite.server.url({port: network.port, query: `table=${table}`}))
      expectLoaded(result)
    } finally {
      await network.close()
    }
    expectGoldenOnce(`public.${table}`)
  }, 60_000)

  maybe('a login pg_hba.conf rejects is exit 3 saying to check pg_hba.conf, not the password', async () => {
    const role = loaderRole(() => '')
    const hba = suite.server.sql('SHOW hba_file')
    writeFileSync(hba, `host all ${role} 127.0.0.1/32 reject\n` + readFileSync(hba, 'utf8'))
    suite.server.sql('SELECT pg_reload_conf()')
    // The postmaster reads the file when it handles the signal: wait until it rejects the role.
    for (;;) {
      const probe = new pg.Client({connectionString: suite.server.url({user: role, password: LOADER_PASSWORD})})
      const admitted = await probe.connect().then(() => true, () => false)
      await probe.end().catch(() => undefined)
      if (!admitted) break
    }
    const result = await load(suite.server.url({user: role, password: LOADER_PASSWORD}))
    expect(result.code).toBe(3)
    expect(errorLines(result)).toEqual([
      expect.stringMatching(new RegExp(`\\(pg_hba\\.conf rejects connection for host "127\\.0\\.0\\.1", user "${role}".*\\): the server's pg_hba\\.conf does not admit this user from this host`)),
    ])
  }, 60_000)
})
