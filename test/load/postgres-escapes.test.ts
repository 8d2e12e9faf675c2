/**
 * The export escapes a comma, a line break or a backslash inside a name with a backslash (core/export-escapes.ts).
 * Postgres' CSV COPY knows no such escape: sent as it is, `build (x86\, linux)` split into two fields (the load
 * refused the row) and `fix\\path` was stored with both backslashes. The table must hold the names the report shows.
 */
import {join} from 'node:path'

import {runCli} from '../helpers/cli.js'
import {postgresLoadSuite} from '../helpers/postgres.js'
import {field, goldenLines, sumMicroCredits, withFields, writeCsv, microCredits} from './fixtures.js'

const suite = postgresLoadSuite('the Postgres escape tests', 'cci-usage-pg-escapes-')
const {maybe, stored} = suite
const B = '\\'


describe('load --to postgres:// with escaped names', () => {
  maybe('stores every row once and each name unescaped', async () => {
    const golden = goldenLines()
    const rows = golden.rows.slice(0, 6)
    const escaped = rows.map((row, index) => {
      if (index === 1) return withFields(row, {JOB_NAME: `build (x86${B}, linux)`, VCS_BRANCH: `fix${B}${B}path`})
      if (index === 2) return withFields(row, {WORKFLOW_NAME: `line${B}\nbreak`, PROJECT_NAME: `say "hi${B}, there"`})
      // A lone CR is written bare (only a line feed ends a row); Postgres' CSV COPY refuses it unquoted.
      if (index === 3) return withFields(row, {JOB_NAME: 'lone\rcr'})
      return row
    })
    const file = writeCsv(join(suite.work, 'escaped.csv'), {header: golden.header, rows: escaped})
    const table = 'escaped_names'
    const result = await runCli(['load', '--input', file, '--to', suite.server.url({query: `table=${table}`})])
    expect(result.stderr).not.toMatch(/^Error/m)
    expect(result.code).toBe(0)
    expect(Number(suite.server.sql(`SELECT count(*) FROM public.${table}`))).toBe(6)
    expect(microCredits(suite.server.sql(`SELECT sum(total_credits) FROM public.${table}`).trim())).toBe(sumMicroCredits({header: golden.header, rows}))
    const [one, two] = [field(rows[1], 'JOB_ID'), field(rows[2], 'JOB_ID')]
    expect(stored(table, 'job_name', one)).toBe('build (x86, linux)')
    expect(stored(table, 'vcs_branch', one)).toBe(`fix${B}path`)
    expect(stored(table, 'workflow_name', two)).toBe('line\nbreak')
    expect(stored(table, 'project_name', two)).toBe('say "hi, there"')
    expect(stored(table, 'job_name', field(rows[3], 'JOB_ID'))).toBe('lone\rcr')
    // The null token stays a null.
    expect(suite.server.sql(`SELECT count(*) FROM public.${table} WHERE pipeline_trigger_user_id IS NULL`).trim()).toBe(
      String(rows.filter((row) => field(row, 'PIPELINE_TRIGGER_USER_ID') === `${B}${B}N`).length),
    )
  })
})
