/**
 * README: "`\N` and empty cells are missing values". A cell quoted empty (`""`, as a CSV re-saved by a spreadsheet
 * or pandas has it) is an empty cell: the report's reader and the Parquet lake read it as null. Postgres' CSV COPY,
 * sent the bytes as they are, refused the whole load over it in a credit column (exit 2, `invalid input syntax for
 * type numeric: ""`) and stored an empty string, not NULL, in a text column. Found by the warehouse fuzz.
 */
import {join} from 'node:path'

import {runCli} from '../helpers/cli.js'
import {postgresLoadSuite} from '../helpers/postgres.js'
import {field, goldenLines, plusMicro, sumMicroCredits, withFields, writeCsv} from './fixtures.js'
import {lakeGlob, query} from './lake-read.js'

const suite = postgresLoadSuite('the Postgres quoted-empty tests', 'cci-usage-pg-quoted-empty-')
const {maybe} = suite

describe('load --to postgres:// with quoted empty cells', () => {
  maybe('a "" cell is null in Postgres as in the lake, in credit and text columns, and every credit is loaded', async () => {
    const golden = goldenLines()
    const rows = golden.rows.slice(0, 4).map((row, index) => (index === 1 ? withFields(row, {DLC_CREDITS: '""', VCS_BRANCH: '""', PIPELINE_TRIGGER_USER_ID: '""'}) : row))
    const lines = {header: golden.header, rows}
    const file = writeCsv(join(suite.work, 'quoted-empty.csv'), lines)
    const table = 'quoted_empty'
    const result = await runCli(['load', '--input', file, '--to', suite.server.url({query: `table=${table}`})])
    expect(result.stderr).not.toMatch(/^Error/m)
    expect(result.code).toBe(0)
    const jobId = field(rows[1], 'JOB_ID')
    expect(suite.server.sql(`SELECT count(*) FROM public.${table}`)).toBe('4')
    expect(suite.server.sql(`SELECT sum(total_credits) = ${plusMicro('0', Number(sumMicroCredits(lines)))} FROM public.${table}`)).toBe('t')
    const nulls = `dlc_credits IS NULL, vcs_branch IS NULL, pipeline_trigger_user_id IS NULL`
    expect(suite.server.sql(`SELECT ${nulls} FROM public.${table} WHERE job_id = '${jobId}'`)).toBe('t|t|t')

    // The lake reads the same file the same way.
    const lake = join(suite.work, 'lake')
    expect((await runCli(['load', '--input', file, '--to', `parquet:${lake}`])).code).toBe(0)
    const [row] = await query(`SELECT ${nulls} FROM ${lakeGlob(lake)} WHERE job_id = '${jobId}'`)
    expect(Object.values(row)).toEqual([true, true, true])
  })
})
