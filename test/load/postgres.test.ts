/**
 * `cci-usage load --to postgres://...` against a real PostgreSQL started in a temporary folder (no mock): exact
 * totals, idempotent reloads, overlapping windows, a killed load, the error exits without the password, and
 * hostile names round-tripping.
 */
import {execFileSync, spawn} from 'node:child_process'
import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {BIN, runCli, type CliResult} from '../helpers/cli.js'
import {postgresLoadSuite} from '../helpers/postgres.js'
import {GOLDEN_EXPORT, REPO_ROOT} from '../helpers/repo.js'
import {csvCell, daysBetween, EARLY_WINDOW, field, goldenLines, LATE_WINDOW, microCredits, midDayExport, plusMicro, sumMicroCredits, withFields, withJoblessRows, withLateRerun, writeCsv, writeExportFolder, NULL_CELL, type Lines} from './fixtures.js'

const suite = postgresLoadSuite('the Postgres load tests', 'cci-usage-pg-load-')
const {maybe} = suite

let tableCounter = 0
/** A fresh table per test, so tests do not depend on each other. */
function freshTable(): string {
  tableCounter++
  return `usage_t${tableCounter}`
}

function load(input: string | string[], table: string, extra: string[] = [], env: Record<string, string> = {}): Promise<CliResult> {
  const inputs = (Array.isArray(input) ? input : [input]).flatMap((path) => ['--input', path])
  return runCli(['load', ...inputs, '--to', suite.server.url({query: `table=${table}`}), ...extra], env)
}

function totals(table: string): {rows: number; credits: bigint; jobs: number} {
  const [rows, credits, jobs] = suite.server.sql(`SELECT count(*), coalesce(sum(total_credits), 0), count(DISTINCT job_id) FROM public.${table}`).split('|')
  return {rows: Number(rows), credits: microCredits(credits), jobs: Number(jobs)}
}

/** Every row's content except loaded_at, sorted: what "the table is unchanged" means. */
function content(table: string): string {
  return suite.server.sql(`SELECT md5(string_agg(r, E'\\n' ORDER BY r)) FROM (SELECT (t.*)::text AS r FROM (SELECT * FROM public.${table}) t) x`)
}
function contentWithoutLoadedAt(table: string): string {
  return suite.server.sql(
    `SELECT md5(coalesce(string_agg(r, E'\\n' ORDER BY r), '')) FROM (SELECT row_to_json(t)::jsonb - 'loaded_at' AS j FROM public.${table} t) x, LATERAL (SELECT j::text AS r) y`,
  )
}

/** `load --print-ddl postgres` for `table` in public, as SQL to run. */
function printedDdl(table: string): string {
  return execFileSync(process.execPath, [BIN, 'load', '--print-ddl', 'postgres'], {encoding: 'utf8'}).replaceAll('"circleci_usage', `"${table}`)
}

const GOLDEN_CREDITS = 532_406_000_000n

describe('load --to postgres:// (real PostgreSQL)', () => {
  maybe('loads the golden export exactly: 1,260 rows and 532,406 credits, summed in SQL', async () => {
    const table = freshTable()
    const result = await load(GOLDEN_EXPORT, table)
    expect(result.stderr).not.toMatch(/^Error/m)
    expect(result.code).toBe(0)
    expect(totals(table)).toEqual({rows: 1260, credits: GOLDEN_CREDITS, jobs: 1260})
    expect(result.stdout).toContain('Loaded 1,260 rows (532,406 credits)')
    // Typed columns: timestamps, integers, numeric credits, booleans, dates, lowercase names.
    const types = suite.server.sql(
      `SELECT string_agg(column_name || ':' || data_type, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = '${table}'`,
    )
    expect(types).toContain('organization_id:text')
    expect(types).toContain('job_run_started_at:timestamp with time zone')
    expect(types).toContain('job_run_date:date')
    expect(types).toContain('pipeline_number:bigint')
    expect(types).toContain('parallelism:integer')
    expect(types).toContain('is_workflow_successful:boolean')
    expect(types).toContain('total_credits:numeric')
    expect(types.endsWith('loaded_at:timestamp with time zone')).toBe(true)
    // The export's timestamps are UTC: they read back as the same instant.
    const first = goldenLines().rows[0]
    const started = suite.server.sql(
      `SET TimeZone = 'UTC'; SELECT to_char(job_run_started_at, 'YYYY-MM-DD HH24:MI:SS.MS') FROM public.${table} WHERE job_id = '${field(first, 'JOB_ID')}'`,
    )
    expect(started).toBe(field(first, 'JOB_RUN_STARTED_AT'))
    // Nulls (the export's \\N) are NULL, not text.
    expect(Number(suite.server.sql(`SELECT count(*) FROM public.${table} WHERE median_cpu_utilization_pct IS NULL`))).toBe(711)
  })

  maybe('loading the same export twice changes nothing', async () => {
    const table = freshTable()
    expect((await load(GOLDEN_EXPORT, table)).code).toBe(0)
    const before = contentWithoutLoadedAt(table)
    const again = await load(GOLDEN_EXPORT, table)
    expect(again.code).toBe(0)
    expect(totals(table)).toEqual({rows: 1260, credits: GOLDEN_CREDITS, jobs: 1260})
    expect(contentWithoutLoadedAt(table)).toBe(before)
  })

  maybe('two overlapping windows, loaded one after the other or together, leave every row once', async () => {
    const golden = goldenLines()
    const early = writeCsv(join(suite.work, 'early.csv'), daysBetween(golden, '2024-11-10', '2024-11-14'))
    const late = writeCsv(join(suite.work, 'late.csv'), daysBetween(golden, '2024-11-12', '2024-11-18'))
    const expected = {rows: 1260, credits: sumMicroCredits(golden), jobs: 1260}

    const apart = freshTable()
    expect((await load(early, apart)).code).toBe(0)
    expect((await load(late, apart)).code).toBe(0)
    expect(totals(apart)).toEqual(expected)
    // And in the other order.
    expect((await load(early, apart)).code).toBe(0)
    expect(totals(apart)).toEqual(expected)

    const together = freshTable()
    const both = await load([early, late], together)
    expect(both.code).toBe(0)
    expect(totals(together)).toEqual(expected)
    expect(both.stderr).toMatch(/repeat a JOB_ID of a later input/)
    expect(contentWithoutLoadedAt(together)).toBe(contentWithoutLoadedAt(apart))
  })

  maybe('a day the input covers only in part replaces rows by JOB_ID and keeps the rest of the day', async () => {
    const golden = goldenLines()
    const table = freshTable()
    expect((await load(GOLDEN_EXPORT, table)).code).toBe(0)
    // An export of 2024-11-14 10:00 to 2024-11-16 10:00: no day is whole (the 15th's rows can come with the 16th
    // after 10:00). Without a window the loader takes the span of its job starts, so the other rows survive.
    const partial = midDayExport(golden)
    expect(partial.rows.length).toBeGreaterThan(10)
    const result = await load(writeCsv(join(suite.work, 'partial.csv'), partial), table)
    expect(result.code).toBe(0)
    expect(totals(table)).toEqual({rows: 1260, credits: GOLDEN_CREDITS, jobs: 1260})
  })

  maybe('without a window, a stray row of a pipeline started days before makes no nearly empty day whole', async () => {
    const golden = goldenLines()
    const table = freshTable()
    expect((await load(GOLDEN_EXPORT, table)).code).toBe(0)
    // The export of the 14th 10:00 to the 16th 10:00, where one job (run on the 14th) belongs to a pipeline
    // started on the 12th: the first day present is the 12th, yet the 12th and the 14th are not whole.
    const partial = midDayExport(golden)
    const stray = partial.rows.findIndex((row) => field(row, 'JOB_RUN_DATE') === '2024-11-14')
    const org = field(partial.rows[stray], 'ORGANIZATION_ID')
    expect(golden.rows.filter((row) => field(row, 'ORGANIZATION_ID') === org && field(row, 'JOB_RUN_DATE') === '2024-11-12').length).toBeGreaterThan(5)
    partial.rows[stray] = withFields(partial.rows[stray], {JOB_RUN_DATE: '2024-11-12'})
    const result = await load(writeCsv(join(suite.work, 'stray.csv'), partial), table)
    expect(result.code).toBe(0)
    expect(totals(table)).toEqual({rows: 1260, credits: GOLDEN_CREDITS, jobs: 1260})
    expect(suite.server.sql(`SELECT job_run_date FROM public.${table} WHERE job_id = '${field(partial.rows[stray], 'JOB_ID')}'`)).toBe('2024-11-12')
  })

  maybe('a load killed in the middle of its COPY leaves the previous content', async () => {
    const table = freshTable()
    expect((await load(GOLDEN_EXPORT, table)).code).toBe(0)
    const before = content(table)
    const big = join(suite.work, 'big.csv')
    await new Promise<void>((resolve, reject) => {
      const generator = spawn(process.execPath, [join(REPO_ROOT, 'bench/generate.js'), '--mb', '40', '--out', big, '--end', '2024-11-18'], {stdio: 'ignore'})
      generator.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`generate exited ${code}`))))
    })
    const child = spawn(process.execPath, [BIN, 'load', '--input', big, '--to', suite.server.url({query: `table=${table}`})], {
      cwd: REPO_ROOT,
      env: {PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'production'},
      stdio: 'ignore',
    })
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    let copied = 0
    for (let i = 0; i < 3000 && copied === 0; i++) {
      copied = Number(suite.server.sql(`SELECT coalesce(max(tuples_processed), 0) FROM pg_stat_progress_copy WHERE relid = 'public.${table}'::regclass`))
      if (copied === 0) await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(copied).toBeGreaterThan(0)
    child.kill('SIGKILL')
    await exited
    // The server notices the closed connection and rolls the transaction back.
    for (let i = 0; i < 100 && Number(suite.server.sql(`SELECT count(*) FROM pg_stat_activity WHERE application_name = 'cci-usage'`)) > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(content(table)).toBe(before)
    expect(totals(table)).toEqual({rows: 1260, credits: GOLDEN_CREDITS, jobs: 1260})
    rmSync(big, {force: true})
  }, 120_000)

  maybe('a value Postgres cannot store rolls the whole load back and names the file and line', async () => {
    const golden = goldenLines()
    const table = freshTable()
    expect((await load(GOLDEN_EXPORT, table)).code).toBe(0)
    const before = content(table)
    const rows = [...golden.rows]
    rows[900] = withFields(rows[900], {PIPELINE_NUMBER: 'not-a-number'})
    const bad = writeCsv(join(suite.work, 'bad-value.csv'), {header: golden.header, rows})
    const result = await load(bad, table)
    expect(result.code).toBe(2)
    expect(result.stderr.trim().split('\n').filter((line) => line.startsWith('Error'))).toEqual([expect.stringContaining(`${bad}, line 902`)])
    expect(content(table)).toBe(before)
  })

  maybe('a value Postgres refuses while rows still stream in is the same one line and exit 2, not a crash', async () => {
    const table = freshTable()
    const big = join(suite.work, 'big-bad-value.csv')
    await new Promise<void>((resolve, reject) => {
      const generator = spawn(process.execPath, [join(REPO_ROOT, 'bench/generate.js'), '--mb', '30', '--out', big, '--end', '2024-11-18'], {stdio: 'ignore'})
      generator.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`generate exited ${code}`))))
    })
    const lines = readFileSync(big, 'utf8').trimEnd().split('\n')
    // A row a tenth of the way in: the server refuses it after the first chunks were sent, while the file is still read.
    const bad = Math.floor(lines.length / 10)
    lines[bad] = withFields(lines[bad], {PIPELINE_NUMBER: 'not-a-number'})
    writeFileSync(big, lines.join('\n') + '\n')
    const result = await load(big, table)
    expect(result.stderr).not.toMatch(/^\s+at /m)
    expect(result.code).toBe(2)
    expect(result.stderr.trim().split('\n').filter((line) => line.startsWith('Error'))).toEqual([expect.stringContaining(`${big}, line ${bad + 1}`)])
    rmSync(big, {force: true})
  }, 120_000)

  maybe('a table whose credit columns cannot hold six decimals is refused before anything is written, not rounded', async () => {
    const golden = goldenLines()
    // Credits with six decimals: numeric(18,2) would round each of them without an error.
    const input = {header: golden.header, rows: golden.rows.slice(0, 50).map((row) => {
      const compute = plusMicro(field(row, 'COMPUTE_CREDITS'), 123_457)
      const total = plusMicro(field(row, 'TOTAL_CREDITS'), 123_457)
      return withFields(row, {COMPUTE_CREDITS: compute, TOTAL_CREDITS: total})
    })}
    const csv = writeCsv(join(suite.work, 'six-decimals.csv'), input)
    for (const [type, shown] of [['numeric(18,2)', 'numeric(18,2)'], ['integer', 'integer'], ['real', 'real']]) {
      const table = freshTable()
      const ddl = printedDdl(table).replace('"total_credits" numeric(18,6)', `"total_credits" ${type}`)
      suite.server.sql(ddl)
      const result = await load(csv, table)
      expect(result.code).toBe(2)
      const errorLines = result.stderr.split('\n').filter((line) => line.startsWith('Error'))
      expect(errorLines).toEqual([expect.stringContaining(`total_credits ${shown}`)])
      expect(errorLines[0]).toContain('numeric(18,6)')
      expect(errorLines[0]).not.toContain(csv)
      expect(totals(table).rows).toBe(0)
    }
    // Unconstrained numeric holds them exactly: loaded, and the sum is the input's.
    const table = freshTable()
    suite.server.sql(printedDdl(table).replaceAll('numeric(18,6)', 'numeric'))
    expect((await load(csv, table)).code).toBe(0)
    expect(totals(table).credits).toBe(sumMicroCredits(input))
  })

  maybe('wrong password: exit 3; unreachable host: exit 4; malformed URL: exit 2; one line each, never the password', async () => {
    const secret = 'pw-Leak-Canary-7f3a9c'
    const cases: Array<[string, number, RegExp]> = [
      [suite.server.url({password: secret}), 3, /refused the login/],
      [suite.server.url({port: 1}), 4, /Cannot reach PostgreSQL/],
      [`postgres://${suite.server.user}:${secret}@127.0.0.1:notaport/db`, 2, /not a valid URL/],
      [`postgres://${suite.server.user}:${secret}@127.0.0.1:5432/db?sslmode=sometimes`, 2, /sslmode/],
      [`mysql://${suite.server.user}:${secret}@127.0.0.1/db`, 2, /scheme "mysql"/],
    ]
    for (const [target, exit, message] of cases) {
      for (const result of [
        await runCli(['load', '--input', GOLDEN_EXPORT, '--to', target]),
        await runCli(['load', '--input', GOLDEN_EXPORT], {CCI_USAGE_LOAD_TO: target}),
      ]) {
        expect(result.code).toBe(exit)
        const errorLines = result.stderr.split('\n').filter((line) => line.trim() !== '')
        expect(errorLines).toHaveLength(1)
        expect(errorLines[0]).toMatch(message)
        expect(result.stdout + result.stderr).not.toContain(secret)
        expect(result.stdout + result.stderr).not.toContain(suite.server.password)
      }
    }
    // The right password in the failing cases above was never printed either (JSON errors included).
    const json = await runCli(['load', '--input', GOLDEN_EXPORT, '--to', suite.server.url({port: 1}), '--json'])
    expect(json.code).toBe(4)
    expect(json.stdout + json.stderr).not.toContain(suite.server.password)
  })

  maybe('a short (6-character) password quoted by errors the server really raises never appears, in any output mode', async () => {
    const password = 'Pw9x!k'
    suite.server.sql(`DROP ROLE IF EXISTS shorty; CREATE ROLE shorty LOGIN PASSWORD '${password}'`)
    const cases: Array<[string, number, RegExp]> = [
      // Startup options the server refuses, quoting them: "invalid command-line argument for server process: Pw9x!k".
      [suite.server.url({user: 'shorty', password, query: `options=${encodeURIComponent(password)}`}), 4, /invalid command-line argument for server process: \[redacted\]/],
      // A database named like the password (pasted in the wrong place): 'database "Pw9x!k" does not exist'.
      [suite.server.url({user: 'shorty', password, database: password}), 2, /database \\?"\[redacted\]\\?" does not exist/],
    ]
    for (const [target, exit, message] of cases) {
      for (const [args, env] of [
        [['load', '--input', GOLDEN_EXPORT, '--to', target], {}],
        [['load', '--input', GOLDEN_EXPORT, '--json'], {CCI_USAGE_LOAD_TO: target}],
        [['load', '--input', GOLDEN_EXPORT, '--to', target, '--debug'], {}],
      ] as Array<[string[], Record<string, string>]>) {
        const result = await runCli(args, env)
        expect(result.code).toBe(exit)
        expect(result.stdout + result.stderr).toMatch(message)
        expect(result.stdout + result.stderr).not.toContain(password)
      }
    }
  })

  maybe('sslmode: disable connects, require fails on a server without SSL (exit 4, one line, no driver warning)', async () => {
    const table = freshTable()
    const plain = await runCli(['load', '--input', GOLDEN_EXPORT, '--to', suite.server.url({query: `sslmode=disable&table=${table}`})])
    expect(plain.code).toBe(0)
    const ssl = await runCli(['load', '--input', GOLDEN_EXPORT, '--to', suite.server.url({query: `sslmode=require&table=${table}`})])
    expect(ssl.code).toBe(4)
    expect(ssl.stderr).toMatch(/SSL|ssl/)
    // pg's own multi-line "SECURITY WARNING" about what sslmode=require means is not printed (test/load/postgres-ssl.test.ts).
    expect(ssl.stderr).not.toContain('SECURITY WARNING')
    // One error line, after this tool's own one-line warning that require leaves the certificate unchecked.
    expect(ssl.stderr.split('\n').filter((line) => line.trim() !== '')).toEqual([expect.stringMatching(/^Warning: sslmode=require does not check/), expect.stringMatching(/^Error: /)])
    expect(ssl.stderr).not.toContain(suite.server.password)
  })

  maybe('a TLS file the target names that cannot be read is one line and exit 2, naming the file, before the input is read', async () => {
    const missing = join(suite.work, 'no-such-ca.pem')
    for (const query of [`sslmode=verify-full&sslrootcert=${encodeURIComponent(missing)}`, `sslmode=verify-full&sslkey=${encodeURIComponent(suite.work)}`]) {
      for (const extra of [[], ['--json']]) {
        const result = await runCli(['load', '--input', GOLDEN_EXPORT, '--to', suite.server.url({query}), ...extra])
        expect(result.code).toBe(2)
        const output = extra.length > 0 ? JSON.parse(result.stdout).error.message : result.stderr.trim()
        expect(output.split('\n')).toHaveLength(1)
        expect(output).toMatch(/Cannot read .*sslrootcert, sslcert or sslkey/)
        if (query.includes('sslrootcert')) expect(output).toContain(missing)
        expect(result.stdout + result.stderr).not.toContain(suite.server.password)
      }
    }
  })

  maybe('a hostile project name (quotes, ;, a newline) and hostile schema and table names round-trip unchanged', async () => {
    const golden = goldenLines()
    const hostile = `it's "quoted"; DROP TABLE x; --\nsecond line, =cmd|'/C calc'!A0 <script>`
    const rows = golden.rows.slice(0, 5).map((row, index) => (index === 2 ? withFields(row, {PROJECT_NAME: csvCell(hostile)}) : row))
    const file = writeCsv(join(suite.work, 'hostile.csv'), {header: golden.header, rows})
    const schema = `we"ird; schema`
    const table = `usage "t"; DROP TABLE x`
    const target = suite.server.url({query: `schema=${encodeURIComponent(schema)}&table=${encodeURIComponent(table)}`})
    const result = await runCli(['load', '--input', file, '--to', target])
    expect(result.stderr).not.toMatch(/^Error/m)
    expect(result.code).toBe(0)
    const stored = suite.server.sql(
      `SELECT encode(convert_to(project_name, 'UTF8'), 'base64') FROM "we""ird; schema"."usage ""t""; DROP TABLE x" WHERE job_id = '${field(golden.rows[2], 'JOB_ID')}'`,
    )
    expect(Buffer.from(stored.replace(/\s/g, ''), 'base64').toString('utf8')).toBe(hostile)
    expect(Number(suite.server.sql(`SELECT count(*) FROM "we""ird; schema"."usage ""t""; DROP TABLE x"`))).toBe(5)
  })

  maybe('two loads into the same table at the same time run one after the other and leave every row once', async () => {
    const table = freshTable()
    const [first, second] = await Promise.all([load(GOLDEN_EXPORT, table), load(GOLDEN_EXPORT, table)])
    expect([first.code, second.code]).toEqual([0, 0])
    expect(totals(table)).toEqual({rows: 1260, credits: GOLDEN_CREDITS, jobs: 1260})
  })

  maybe('with the export window known (export-manifest.json beside usage.csv), whole days are replaced whole', async () => {
    const golden = goldenLines()
    const out = join(suite.work, 'with-manifest')
    rmSync(out, {recursive: true, force: true})
    const csv = join(out, 'usage.csv')
    mkdirSync(out, {recursive: true})
    writeCsv(csv, golden)
    const range = {start: '2024-11-10T00:00:00.000Z', end: '2024-11-19T00:00:00.000Z'}
    const manifest = {schemaVersion: 1, status: 'completed', rows: 1260, range, windows: [{...range, state: 'completed', parts: []}]}
    writeFileSync(join(out, 'export-manifest.json'), JSON.stringify(manifest))
    const table = freshTable()
    // A stale row of a covered day that the new export no longer holds: replaced with its whole day. The window's
    // last day (the 18th) is not whole: rows dated the 18th can come with the export of the 19th.
    expect((await load(GOLDEN_EXPORT, table)).code).toBe(0)
    const org = field(golden.rows.find((row) => field(row, 'JOB_RUN_DATE') === '2024-11-17')!, 'ORGANIZATION_ID')
    suite.server.sql(`INSERT INTO public.${table} (organization_id, job_run_date, job_id, total_credits) VALUES ('${org}', '2024-11-17', 'stale-job', 5)`)
    const result = await load(csv, table)
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('8 replaced whole, 1 by JOB_ID')
    expect(totals(table)).toEqual({rows: 1260, credits: GOLDEN_CREDITS, jobs: 1260})
  })

  maybe('reloading a window after the next one keeps the rows of its last day that the next window brought', async () => {
    const golden = goldenLines()
    const table = freshTable()
    // Exported in two windows, [10th, 16th) and [16th, 19th): two jobs of pipelines started on the 15th ran after
    // midnight, so the later window holds them. Loaded in that order, then the earlier window again.
    const started = (row: string) => field(row, 'JOB_RUN_STARTED_AT')
    const early = {header: golden.header, rows: golden.rows.filter((row) => started(row) < '2024-11-16')}
    const late = {header: golden.header, rows: golden.rows.filter((row) => started(row) >= '2024-11-16')}
    expect(late.rows.filter((row) => field(row, 'JOB_RUN_DATE') === '2024-11-15')).toHaveLength(2)
    const earlyCsv = writeExportFolder(join(suite.work, 'seq-early'), early, {start: '2024-11-10T00:00:00.000Z', end: '2024-11-16T00:00:00.000Z'})
    const lateCsv = writeExportFolder(join(suite.work, 'seq-late'), late, {start: '2024-11-16T00:00:00.000Z', end: '2024-11-19T00:00:00.000Z'})
    expect((await load(earlyCsv, table)).code).toBe(0)
    for (const csv of [lateCsv, earlyCsv]) {
      expect((await load(csv, table)).code).toBe(0)
      expect(totals(table)).toEqual({rows: 1260, credits: GOLDEN_CREDITS, jobs: 1260})
    }
  })

  maybe('reloading an earlier window keeps a job of one of its whole days that ran after it (a rerun days later), which a later window brought', async () => {
    const {lines, rerun, early, late} = withLateRerun(goldenLines())
    const earlyCsv = writeExportFolder(join(suite.work, 'rerun-early'), early, EARLY_WINDOW)
    const lateCsv = writeExportFolder(join(suite.work, 'rerun-late'), late, LATE_WINDOW)
    const expected = {rows: 1260, credits: sumMicroCredits(lines), jobs: 1260}
    for (const order of [[earlyCsv, lateCsv, earlyCsv], [lateCsv, earlyCsv], [lateCsv, earlyCsv, lateCsv, earlyCsv]]) {
      const table = freshTable()
      for (const csv of order) expect((await load(csv, table)).code).toBe(0)
      expect(totals(table)).toEqual(expected)
    }
    // The same job in both windows (an export selecting it by another time) is still there once.
    const both = writeExportFolder(join(suite.work, 'rerun-both'), {header: lines.header, rows: [...early.rows, rerun]}, EARLY_WINDOW)
    const table = freshTable()
    for (const csv of [lateCsv, both, lateCsv, both]) expect((await load(csv, table)).code).toBe(0)
    expect(totals(table)).toEqual(expected)
  })

  maybe('reloading an export whose one job off its whole days is a late rerun leaves that job there once', async () => {
    // Rows of the 16th and 17th, days the late window holds whole (the 18th, its last, is not), and the rerun dated
    // the 12th: the rerun is the load's only job replaced by JOB_ID rather than with its day.
    const {lines, rerun} = withLateRerun(goldenLines())
    const wholeDays = (row: string) => field(row, 'JOB_RUN_DATE') >= '2024-11-16' && field(row, 'JOB_RUN_DATE') <= '2024-11-17'
    const only: Lines = {header: lines.header, rows: [...lines.rows.filter(wholeDays), rerun]}
    const csv = writeExportFolder(join(suite.work, 'one-edge'), only, LATE_WINDOW)
    const table = freshTable()
    for (let i = 0; i < 2; i++) expect((await load(csv, table)).code).toBe(0)
    expect(totals(table)).toEqual({rows: only.rows.length, credits: sumMicroCredits(only), jobs: only.rows.length})
  })

  maybe('review: a spared late job that the reloaded export holds without a start, or started within a millisecond, is there once', async () => {
    const {lines, original, rerun, early, late} = withLateRerun(goldenLines())
    const lateCsv = writeExportFolder(join(suite.work, 'review-late'), late, LATE_WINDOW)
    // The earlier export has the job too, before it started (no start): it replaces the spared copy by JOB_ID.
    const unstarted = withFields(original, {JOB_RUN_STARTED_AT: NULL_CELL, JOB_RUN_STOPPED_AT: NULL_CELL})
    const earlyCsv = writeExportFolder(join(suite.work, 'review-early'), {header: lines.header, rows: [...early.rows, unstarted]}, EARLY_WINDOW)
    const table = freshTable()
    for (const csv of [lateCsv, earlyCsv]) expect((await load(csv, table)).code).toBe(0)
    expect(totals(table)).toMatchObject({rows: 1260, jobs: 1260})
    // A start with microseconds, in a file without a window (its end is the last start, to the millisecond).
    const precise = writeCsv(join(suite.work, 'review-precise.csv'), {header: lines.header, rows: [...early.rows, withFields(rerun, {JOB_RUN_STARTED_AT: '2024-11-15 23:59:59.999500'})]})
    const again = freshTable()
    for (let i = 0; i < 2; i++) expect((await load(precise, again)).code).toBe(0)
    expect(totals(again)).toMatchObject({rows: early.rows.length + 1, jobs: early.rows.length + 1})
  })

  maybe('review: rows without a JOB_ID of a day two inputs hold whole come from the one whose window ends last, not only the last input', async () => {
    const golden = withJoblessRows(goldenLines(), '2024-11-12', 3)
    // The longer export first: the shorter one, given last, lacks a storage row of the 12th that came later.
    const jobless = golden.rows.filter((row) => field(row, 'JOB_ID') === NULL_CELL)
    const longer = writeExportFolder(join(suite.work, 'jobless-longer'), golden, {start: '2024-11-10T00:00:00.000Z', end: '2024-11-19T00:00:00.000Z'})
    const shorterLines = {header: golden.header, rows: daysBetween(golden, '2024-11-10', '2024-11-14').rows.filter((row) => row !== jobless[0])}
    const shorter = writeExportFolder(join(suite.work, 'jobless-shorter'), shorterLines, {start: '2024-11-10T00:00:00.000Z', end: '2024-11-15T00:00:00.000Z'})
    const table = freshTable()
    expect((await load([longer, shorter], table)).code).toBe(0)
    expect(totals(table)).toEqual({rows: 1260, credits: GOLDEN_CREDITS, jobs: 1257})
  })

  maybe('an export whose windows leave a gap (run --history) replaces no day of the gap whole: its stray rows replace by JOB_ID', async () => {
    const golden = goldenLines()
    const table = freshTable()
    expect((await load(GOLDEN_EXPORT, table)).code).toBe(0)
    // Windows [11-10, 11-12) and [11-15, 11-19): the manifest's range spans the gap. Two rows dated the 14th stand
    // for jobs of pipelines started that day that ran after the second window's start.
    const strays = golden.rows.filter((row) => field(row, 'JOB_RUN_DATE') === '2024-11-14').slice(0, 2)
    const lines = {header: golden.header, rows: [...daysBetween(golden, '2024-11-10', '2024-11-11').rows, ...strays, ...daysBetween(golden, '2024-11-15', '2024-11-18').rows]}
    const range = {start: '2024-11-10T00:00:00.000Z', end: '2024-11-19T00:00:00.000Z'}
    const windows = [{start: range.start, end: '2024-11-12T00:00:00.000Z'}, {start: '2024-11-15T00:00:00.000Z', end: range.end}]
    const csv = writeExportFolder(join(suite.work, 'gap-export'), lines, range, windows)
    const result = await load(csv, table)
    expect(result.code).toBe(0)
    expect(totals(table)).toEqual({rows: 1260, credits: GOLDEN_CREDITS, jobs: 1260})
  })

  maybe('a day one input holds whole is not whole for another input that holds it in part (another organization)', async () => {
    const golden = goldenLines()
    const table = freshTable()
    expect((await load(GOLDEN_EXPORT, table)).code).toBe(0)
    const [first, second] = ['8d05d166-e199-43b1-b588-415eadafacc1', 'a5fbb85e-6c64-4f9d-b89d-d69189af16bc']
    const ofOrg = (lines: Lines, org: string): Lines => ({header: lines.header, rows: lines.rows.filter((row) => field(row, 'ORGANIZATION_ID') === org)})
    // The first organization's whole window (a manifest), then the second one's rows of 14th 10:00 to 16th 10:00
    // (no window: the 14th and the 16th are partial for it, though the first input holds them whole).
    const range = {start: '2024-11-10T00:00:00.000Z', end: '2024-11-19T00:00:00.000Z'}
    const whole = writeExportFolder(join(suite.work, 'org-whole'), ofOrg(golden, first), range)
    const partial = ofOrg(midDayExport(golden), second)
    expect(new Set(partial.rows.map((row) => field(row, 'JOB_RUN_DATE')))).toEqual(new Set(['2024-11-14', '2024-11-15', '2024-11-16']))
    // A row of its partial 14th without a JOB_ID: nothing could replace it later, so the COPY leaves it out.
    const jobless = partial.rows.findIndex((row) => field(row, 'JOB_RUN_DATE') === '2024-11-14')
    partial.rows[jobless] = withFields(partial.rows[jobless], {JOB_ID: NULL_CELL})
    const result = await load([whole, writeCsv(join(suite.work, 'org-partial.csv'), partial)], table)
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/1 row\(s\) .* not loaded/)
    expect(totals(table)).toEqual({rows: 1260, credits: GOLDEN_CREDITS, jobs: 1260})
  })

  maybe('rows without a JOB_ID on a day two inputs of one load both hold whole are loaded once, from the later input', async () => {
    // Two weekly exports overlapping on the 12th and 13th, both held whole by each (the windows run past the 14th),
    // and three storage rows without a JOB_ID on the 12th, which both exports carry.
    const golden = withJoblessRows(goldenLines(), '2024-11-12', 3)
    const early = writeExportFolder(join(suite.work, 'jobless-early'), daysBetween(golden, '2024-11-10', '2024-11-14'), {start: '2024-11-10T00:00:00.000Z', end: '2024-11-15T00:00:00.000Z'})
    const late = writeExportFolder(join(suite.work, 'jobless-late'), daysBetween(golden, '2024-11-12', '2024-11-18'), {start: '2024-11-12T00:00:00.000Z', end: '2024-11-19T00:00:00.000Z'})
    const expected = {rows: 1260, credits: GOLDEN_CREDITS, jobs: 1257}

    const apart = freshTable()
    expect((await load(early, apart)).code).toBe(0)
    expect((await load(late, apart)).code).toBe(0)
    expect(totals(apart)).toEqual(expected)

    const together = freshTable()
    const result = await load([early, late], together)
    expect(result.code).toBe(0)
    expect(totals(together)).toEqual(expected)
    expect(contentWithoutLoadedAt(together)).toBe(contentWithoutLoadedAt(apart))
  })

  maybe('run --demo with CCI_USAGE_LOAD_TO loads the export it made, after the report, every day but the window\'s last replaced whole', async () => {
    const table = freshTable()
    const out = join(suite.work, 'run-demo')
    const result = await runCli(['run', '--demo', '--out', out, '--json'], {CCI_USAGE_LOAD_TO: suite.server.url({query: `table=${table}`})})
    expect(result.code).toBe(0)
    const parsed = JSON.parse(result.stdout) as {load: {rows: number; credits: string; partialDays: string[]; target: string}}
    const csvRows = lineCount(join(out, 'usage.csv')) - 1
    expect(parsed.load.rows).toBe(csvRows)
    // Rows dated the window's last day can still come with the next export (pipelines started before midnight).
    const {range} = JSON.parse(readFileSync(join(out, 'export-manifest.json'), 'utf8')) as {range: {end: string}}
    expect(parsed.load.partialDays).toEqual([new Date(Date.parse(range.end) - 86_400_000).toISOString().slice(0, 10)])
    expect(totals(table).rows).toBe(csvRows)
    expect(totals(table).credits).toBe(microCredits(parsed.load.credits))
    expect(result.stdout + result.stderr).not.toContain(suite.server.password)
  })
})

function lineCount(path: string): number {
  return readFileSync(path, 'utf8').split('\n').filter((line) => line !== '').length
}

