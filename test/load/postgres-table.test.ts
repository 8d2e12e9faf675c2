/**
 * `load --to postgres://` into tables made by hand (real PostgreSQL, no mock): a column the load would fail on
 * half-way (NOT NULL where the export has nulls, a type narrower than the loader's, a varchar shorter than the
 * input's values, an extra NOT NULL column without a default) is refused in one line before anything is written,
 * and a failure the server raises anyway is reported as the database's, not the input's.
 */
import {runCli, type CliResult} from '../helpers/cli.js'
import {postgresLoadSuite} from '../helpers/postgres.js'
import {GOLDEN_EXPORT} from '../helpers/repo.js'
import {field, goldenLines, microCredits} from './fixtures.js'

const suite = postgresLoadSuite('the Postgres hand-made table tests', 'cci-usage-pg-table-')
const {maybe} = suite

let tableCounter = 0
function freshTable(): string {
  tableCounter++
  return `hand_t${tableCounter}`
}

function load(table: string): Promise<CliResult> {
  return runCli(['load', '--input', GOLDEN_EXPORT, '--to', suite.server.url({query: `table=${table}`})])
}

function errorLines(result: CliResult): string[] {
  return result.stderr.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('No export window'))
}

/** The table as it stands: every row, its columns' definitions, its indexes and constraints. */
function snapshot(table: string): string {
  return suite.server.sql(
    `SELECT md5(coalesce((SELECT string_agg(r, E'\\n' ORDER BY r) FROM (SELECT (t.*)::text AS r FROM public.${table} t) x), '')) || '|' ||
       (SELECT string_agg(column_name || ' ' || data_type || coalesce('(' || character_maximum_length || ')', '') || ' ' || is_nullable || ' ' || coalesce(column_default, '-'), ',' ORDER BY ordinal_position)
          FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '${table}') || '|' ||
       coalesce((SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'public' AND tablename = '${table}'), 'no indexes') || '|' ||
       coalesce((SELECT string_agg(conname, ',' ORDER BY conname) FROM pg_constraint WHERE conrelid = 'public.${table}'::regclass), 'no constraints')`,
  )
}

/** The loader's own CREATE TABLE (printed by --print-ddl), without its indexes, under `table`. */
async function createTable(table: string, edit: (ddl: string) => string = (ddl) => ddl): Promise<void> {
  const printed = await runCli(['load', '--print-ddl', 'postgres'])
  const create = printed.stdout.split(';\n').find((statement) => statement.startsWith('CREATE TABLE'))!
  suite.server.sql(edit(create.replaceAll('"circleci_usage"', `"${table}"`)))
}

const GOLDEN_CREDITS = 532_406_000_000n

describe('load --to postgres:// into a table made by hand (real PostgreSQL)', () => {
  maybe('columns the load would fail on half-way are refused in one line, naming them and the ALTER TABLE, before anything is written', async () => {
    const golden = goldenLines()
    const table = freshTable()
    // JOB_NAME is null on the export's job-less rows; PIPELINE_NUMBER is bigint; VCS_BRANCH is up to 97 characters.
    await createTable(table, (ddl) =>
      ddl
        .replace('"job_name" text', '"job_name" text NOT NULL')
        .replace('"pipeline_number" bigint', '"pipeline_number" integer')
        .replace('"vcs_branch" text', '"vcs_branch" varchar(20)')
        .replace('"loaded_at"', '"note" text NOT NULL, "loaded_at"'),
    )
    const row = golden.rows.find((line) => field(line, 'VCS_BRANCH').length <= 20 && field(line, 'JOB_NAME') !== '\\\\N')!
    suite.server.sql(
      `INSERT INTO public.${table} (organization_id, job_id, job_run_date, job_name, vcs_branch, pipeline_number, total_credits, note)
       VALUES ('${field(row, 'ORGANIZATION_ID')}', '${field(row, 'JOB_ID')}', '${field(row, 'JOB_RUN_DATE')}', 'kept', 'main', 7, 1.5, 'hand-made')`,
    )
    const before = snapshot(table)
    const result = await load(table)
    expect(result.code).toBe(2)
    expect(result.stderr).not.toMatch(/^\s+at /m)
    const lines = errorLines(result)
    expect(lines).toHaveLength(1)
    const [line] = lines
    expect(line).toContain(`public.${table}`)
    expect(line).toMatch(/job_name .*NOT NULL/)
    expect(line).toContain('ALTER COLUMN "job_name" DROP NOT NULL')
    expect(line).toMatch(/pipeline_number integer/)
    expect(line).toContain('ALTER COLUMN "pipeline_number" TYPE bigint')
    expect(line).toMatch(/vcs_branch character varying\(20\).*97/)
    expect(line).toContain('ALTER COLUMN "vcs_branch" TYPE text')
    expect(line).toMatch(/note .*NOT NULL/)
    expect(line).toContain('?table=')
    // The table is at fault, not the input.
    expect(line).not.toContain(GOLDEN_EXPORT)
    expect(line).not.toContain(suite.server.password)
    expect(snapshot(table)).toBe(before)

    // The advised statement, run as printed, makes the same load go through.
    const alter = /(ALTER TABLE .*?);/.exec(line)?.[1]
    expect(alter).toBeDefined()
    suite.server.sql(alter!)
    const again = await load(table)
    expect(errorLines(again).filter((text) => text.startsWith('Error'))).toEqual([])
    expect(again.code).toBe(0)
    expect(Number(suite.server.sql(`SELECT count(*) FROM public.${table} WHERE job_name IS NULL`))).toBe(228)
    expect(microCredits(suite.server.sql(`SELECT sum(total_credits) FROM public.${table} WHERE note IS NULL`))).toBe(GOLDEN_CREDITS)
  })

  maybe('types that hold every value the loader writes are accepted: varchar(n) as long as the input\'s values, wider integers, text', async () => {
    const table = freshTable()
    // ORGANIZATION_NAME is at most 13 characters in the golden export, VCS_BRANCH 97.
    await createTable(table, (ddl) =>
      ddl
        .replace('"organization_name" text', '"organization_name" varchar(13)')
        .replace('"vcs_branch" text', '"vcs_branch" character varying(97)')
        .replace('"vcs_name" text', '"vcs_name" character varying')
        .replace('"parallelism" integer', '"parallelism" bigint')
        .replace('"job_run_number" bigint', '"job_run_number" numeric(20,0)')
        .replace('"job_run_started_at" timestamptz', '"job_run_started_at" timestamp')
        .replace('"is_workflow_successful" boolean', '"is_workflow_successful" text')
        .replace('"loaded_at"', '"id" bigint GENERATED ALWAYS AS IDENTITY, "source" text NOT NULL DEFAULT \'cci-usage\', "loaded_at"'),
    )
    const result = await load(table)
    expect(result.stderr).not.toMatch(/^Error/m)
    expect(result.code).toBe(0)
    expect(microCredits(suite.server.sql(`SELECT sum(total_credits) FROM public.${table}`))).toBe(GOLDEN_CREDITS)
    expect(suite.server.sql(`SELECT max(char_length(vcs_branch)) FROM public.${table}`)).toBe('97')
  })

  maybe('a job_run_date kept as text, varchar or a timestamp (types that hold the export\'s days) is replaced by day as a date column is: two loads leave each credit once', async () => {
    for (const type of ['text', 'character varying', 'timestamptz', 'timestamp']) {
      const table = freshTable()
      await createTable(table, (ddl) => ddl.replace('"job_run_date" date', `"job_run_date" ${type}`))
      for (let i = 0; i < 2; i++) {
        const result = await load(table)
        expect(result.stderr).not.toMatch(/^Error/m)
        expect(result.code).toBe(0)
      }
      expect(suite.server.sql(`SELECT count(*) || ' ' || count(DISTINCT job_id) FROM public.${table}`)).toBe('1260 1260')
      expect(microCredits(suite.server.sql(`SELECT sum(total_credits) FROM public.${table}`))).toBe(GOLDEN_CREDITS)
    }
  })

  maybe('a varchar one character shorter than the input\'s longest value is refused', async () => {
    const table = freshTable()
    await createTable(table, (ddl) => ddl.replace('"organization_name" text', '"organization_name" char(12)'))
    const before = snapshot(table)
    const result = await load(table)
    expect(result.code).toBe(2)
    const lines = errorLines(result)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/organization_name character\(12\).*13/)
    expect(lines[0]).toContain('ALTER COLUMN "organization_name" TYPE text')
    expect(snapshot(table)).toBe(before)
  })

  maybe('a constraint of the table that refuses a row during the COPY is the database failing the load, not a bad input file', async () => {
    const table = freshTable()
    // Jobs of one workflow share its WORKFLOW_ID: a unique index on it refuses the second.
    await createTable(table)
    suite.server.sql(`CREATE UNIQUE INDEX ${table}_one_per_workflow ON public.${table} (workflow_id)`)
    suite.server.sql(`INSERT INTO public.${table} (organization_id, job_id, job_run_date, total_credits) VALUES ('o', 'j', '2020-01-01', 1)`)
    const before = snapshot(table)
    const result = await load(table)
    expect(result.stderr).not.toMatch(/^\s+at /m)
    expect(result.code).toBe(4)
    const lines = errorLines(result)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/PostgreSQL failed the load into postgres:\/\/cci_test@127\.0\.0\.1:\d+\/postgres table public\.hand_t\d+/)
    expect(lines[0]).toContain('SQLSTATE 23505')
    expect(lines[0]).toContain(`${table}_one_per_workflow`)
    expect(lines[0]).toMatch(/nothing was committed/i)
    expect(lines[0]).not.toMatch(/fix or re-export/)
    expect(lines[0]).not.toContain(suite.server.password)
    expect(snapshot(table)).toBe(before)
  })
})
