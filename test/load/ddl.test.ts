/**
 * The one column list: DDL for every warehouse comes from it, docs/warehouse.md quotes exactly what
 * `load --print-ddl` prints, and the target parser never lets a password into what the CLI prints.
 */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {USAGE_COLUMNS} from '../../src/core/usage-columns.js'
import {WAREHOUSE_COLUMNS} from '../../src/load/columns.js'
import {wholeDays} from '../../src/load/coverage.js'
import {DDL_DIALECTS, postgresDdl, printableDdl} from '../../src/load/ddl.js'
import {parseTarget, registerTargetSecrets} from '../../src/load/target.js'
import {forgetSecrets, redact} from '../../src/core/secrets.js'
import {isBuilt, runCli} from '../helpers/cli.js'
import {REPO_ROOT} from '../helpers/repo.js'

const doc = readFileSync(join(REPO_ROOT, 'docs/warehouse.md'), 'utf8')

/** The ```sql block that follows `<!-- ddl:DIALECT` in the doc, or null. */
function documentedDdl(dialect: string): string | null {
  const marker = doc.indexOf(`<!-- ddl:${dialect} `)
  if (marker < 0) return null
  const match = /```sql\n([\s\S]*?)```/.exec(doc.slice(marker))
  return match ? match[1] : null
}

describe('warehouse DDL', () => {
  it('has every export column, lowercase, in the export order, in every dialect', () => {
    expect(WAREHOUSE_COLUMNS.map((column) => column.source)).toEqual([...USAGE_COLUMNS])
    for (const dialect of DDL_DIALECTS) {
      const ddl = printableDdl(dialect)
      const positions = WAREHOUSE_COLUMNS.map((column) => ddl.search(new RegExp(`\\n  "?${column.name}"? `)))
      expect(positions.every((position) => position > 0)).toBe(true)
      expect([...positions].sort((a, b) => a - b)).toEqual(positions)
    }
    expect(postgresDdl({schema: 'public', table: 'circleci_usage'})[1]).toContain('"loaded_at" timestamptz NOT NULL DEFAULT now()')
  })

  it.each([...DDL_DIALECTS])('docs/warehouse.md quotes exactly what `load --print-ddl %s` prints', async (dialect) => {
    expect(documentedDdl(dialect)).toBe(printableDdl(dialect))
    if (isBuilt('load')) {
      const printed = await runCli(['load', '--print-ddl', dialect])
      expect(printed.code).toBe(0)
      expect(printed.stdout).toBe(printableDdl(dialect))
    }
  })

  it('refuses an unknown dialect with exit 2', async () => {
    if (!isBuilt('load')) return
    const result = await runCli(['load', '--print-ddl', 'oracle'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/--print-ddl oracle is not a known warehouse/)
  })
})

describe('load targets', () => {
  afterEach(() => forgetSecrets())

  it('parses postgres URLs: schema, table and the TLS parameters taken out of the connection string; the display and redaction never show the password', () => {
    const target = parseTarget('postgresql://etl:s3cr%40t-Pa55word@db.internal:6543/finops?sslmode=verify-full&schema=ci&table=usage')
    expect(target).toMatchObject({kind: 'postgres', schema: 'ci', table: 'usage', display: 'postgres://etl@db.internal:6543/finops table ci.usage'})
    if (target.kind !== 'postgres') throw new Error('postgres expected')
    // The TLS parameters are the loader's to interpret (libpq's meanings), not the driver's.
    expect(target.tls).toEqual({mode: 'verify-full'})
    expect(target.connectionString).not.toContain('sslmode=')
    expect(target.connectionString).not.toContain('schema=')
    expect(parseTarget('postgres://u:pw@h/db?sslmode=require&sslrootcert=ca.pem')).toMatchObject({tls: {mode: 'require', rootcert: 'ca.pem'}})
    expect(parseTarget('postgres://u:pw@h/db')).not.toHaveProperty('tls')
    expect(redact(`failed: ${target.connectionString} s3cr@t-Pa55word s3cr%40t-Pa55word`)).not.toMatch(/s3cr/)
    expect(parseTarget('postgres://u:password123@h/db')).toMatchObject({schema: 'public', table: 'circleci_usage'})
  })

  it('a URL without a password (PGPASSWORD, ~/.pgpass) is not redacted: messages can name the target', () => {
    registerTargetSecrets(['--to', 'postgres://etl@db.internal/finops'], {}, 'CCI_USAGE_LOAD_TO')
    const target = parseTarget('postgres://etl@db.internal/finops')
    if (target.kind !== 'postgres') throw new Error('postgres expected')
    expect(redact(`refused the login for ${target.connectionString} (${target.display})`)).toBe(
      'refused the login for postgres://etl@db.internal/finops (postgres://etl@db.internal:5432/finops table public.circleci_usage)',
    )
    registerTargetSecrets(['--to=postgres://etl:Pw9x@db.internal/finops'], {}, 'CCI_USAGE_LOAD_TO')
    expect(redact('postgres://etl:Pw9x@db.internal/finops Pw9x')).not.toContain('Pw9x')
  })

  it('parses folder targets and refuses malformed ones with one line naming the problem', () => {
    expect(parseTarget('parquet:./lake')).toMatchObject({kind: 'parquet', display: 'parquet:./lake'})
    expect(parseTarget('focus:/tmp/focus')).toMatchObject({kind: 'focus', dir: '/tmp/focus'})
    const refused: Array<[string, RegExp]> = [
      ['parquet:', /names no folder/],
      ['postgres://u:p@h:99999/db', /not a valid URL/],
      ['postgres://u:pw@h/db?sslmode=maybe', /sslmode=maybe/],
      ['postgres://u:pw@h/db?sslmode=verify-ca', /sslmode=verify-ca without sslrootcert/],
      ['postgres://u:pw@h/db?foo=1', /unknown parameter "foo"/],
      ['postgres://u:pw@h/db?connect_timeout=soon', /connect_timeout=soon, which is not a whole number of seconds/],
      // libpq's Unix-socket forms: the folder goes percent-encoded in the host, and PGHOST is not read.
      ['postgres:///db?host=/var/run/postgresql', /names no host \(PGHOST is not read; for a Unix socket give its folder percent-encoded as the host, e\.g\. postgres:\/\/user:password@%2Fvar%2Frun%2Fpostgresql\/db\)/],
      ['postgres://u:pw@/db?host=/tmp', /names no host \(PGHOST is not read; for a Unix socket/],
      ['s3://bucket/x', /scheme "s3"/],
      ['just-a-word', /is not a target/],
    ]
    for (const [value, message] of refused) {
      expect(() => parseTarget(value)).toThrow(message)
      try {
        parseTarget(value)
      } catch (error) {
        expect((error as Error).message).not.toContain('\n')
      }
    }
  })
})

describe('whole days', () => {
  const days = ['2024-11-10', '2024-11-11', '2024-11-12', '2024-11-13']
  const wholeDayNames = (present: string[], windows: Parameters<typeof wholeDays>[1]) => wholeDays(present, windows).map((whole) => whole.day)
  it('without a window, none is whole', () => {
    expect(wholeDayNames(days, [])).toEqual([])
  })
  it('with a window, a day is whole when the window covers it and the day after from midnight to midnight', () => {
    const window = {start: new Date('2024-11-10T00:00:00Z'), end: new Date('2024-11-13T00:00:00Z')}
    // 2024-11-13 holds only rows started at the inclusive end instant; rows dated the 12th can still come with
    // the export of the 13th (pipelines started before midnight), so the window's last day is not whole.
    expect(wholeDayNames(days, [window])).toEqual(['2024-11-10', '2024-11-11'])
    expect(wholeDayNames(days, [{start: new Date('2024-11-10T06:00:00Z'), end: new Date('2024-11-13T18:00:00Z')}])).toEqual(['2024-11-11'])
    expect(wholeDayNames(days, [{start: new Date('2024-11-10T06:00:00Z'), end: new Date('2024-11-12T18:00:00Z')}])).toEqual([])
  })
})
