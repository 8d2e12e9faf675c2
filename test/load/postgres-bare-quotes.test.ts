/**
 * The Usage API writes its CSV unquoted, so a name holding a `"` (git allows one in a branch name, CircleCI in a
 * project or job name) reaches the file bare: `q" onmouseover="x`. The report's reader (DuckDB) and the Parquet
 * lake take such a quote as a character of the name. PostgreSQL's CSV COPY takes any quote as the start of a
 * quoted section, so the same bytes sent as they are lose their quotes (an even number) or run into the next
 * fields and rows (an odd number). Every target must store the name the report shows, byte for byte.
 */
import {join} from 'node:path'

import {runCli} from '../helpers/cli.js'
import {postgresLoadSuite} from '../helpers/postgres.js'
import {field, goldenLines, withFields, writeCsv} from './fixtures.js'

const suite = postgresLoadSuite('the Postgres bare-quote tests', 'cci-usage-pg-quotes-')
const {maybe, stored} = suite


describe('load --to postgres:// with bare quotes inside unquoted names', () => {
  maybe('a name with an even number of bare quotes is stored as the report reads it, quotes included', async () => {
    const golden = goldenLines()
    const name = 'q" onmouseover="alert(1)'
    const rows = golden.rows.slice(0, 4).map((row, index) => (index === 1 ? withFields(row, {PROJECT_NAME: name, WORKFLOW_NAME: 'say ""hi""'}) : row))
    const file = writeCsv(join(suite.work, 'even-quotes.csv'), {header: golden.header, rows})
    const table = 'even_quotes'
    const result = await runCli(['load', '--input', file, '--to', suite.server.url({query: `table=${table}`})])
    expect(result.stderr).not.toMatch(/^Error/m)
    expect(result.code).toBe(0)
    const jobId = field(rows[1], 'JOB_ID')
    expect(stored(table, 'project_name', jobId)).toBe(name)
    expect(stored(table, 'workflow_name', jobId)).toBe('say ""hi""')
    expect(Number(suite.server.sql(`SELECT count(*) FROM public.${table}`))).toBe(4)
  })

  maybe('names with one bare quote each, on two rows, stay two rows and are stored whole', async () => {
    const golden = goldenLines()
    const branches = ['fix/"quoted', 'say "hi']
    const rows = golden.rows.slice(0, 4).map((row, index) => (index === 1 || index === 2 ? withFields(row, {VCS_BRANCH: branches[index - 1]}) : row))
    const file = writeCsv(join(suite.work, 'odd-quotes.csv'), {header: golden.header, rows})
    const table = 'odd_quotes'
    const result = await runCli(['load', '--input', file, '--to', suite.server.url({query: `table=${table}`})])
    expect(result.stderr).not.toMatch(/^Error/m)
    expect(result.code).toBe(0)
    expect(Number(suite.server.sql(`SELECT count(*) FROM public.${table}`))).toBe(4)
    expect(stored(table, 'vcs_branch', field(rows[1], 'JOB_ID'))).toBe(branches[0])
    expect(stored(table, 'vcs_branch', field(rows[2], 'JOB_ID'))).toBe(branches[1])
  })
})
