/**
 * `load --to parquet:DIR` and `--to focus:DIR`, read back with DuckDB (hive partitioning) as BigQuery, Athena
 * or Spark would read the folder.
 */
import {existsSync, mkdirSync, readdirSync, statSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'

import {dialectType, WAREHOUSE_COLUMNS} from '../../src/load/columns.js'
import {FOCUS_VERSION, focusColumns} from '../../src/load/focus.js'
import {runCli} from '../helpers/cli.js'
import {GOLDEN_EXPORT} from '../helpers/repo.js'
import {daysBetween, EARLY_WINDOW, field, goldenLines, LATE_WINDOW, lockHeldBy, microCredits, NULL_CELL, sumMicroCredits, withFields, withJoblessRows, withLateRerun, writeCsv, writeExportFolder, twoMonths} from './fixtures.js'
import {lakeContent, lakeGlob, lakeTestFolder, lakeTotals, query} from './lake-read.js'

const {maybe, fresh: freshDir, inWork} = lakeTestFolder('the Parquet and FOCUS load tests', 'cci-usage-lake-')
const GOLDEN_CREDITS = 532_406_000_000n

describe('load --to parquet:DIR', () => {
  maybe('writes every row once, typed and lowercase, zstd, partitioned month=YYYY-MM; a reload changes nothing', async () => {
    const dir = freshDir('lake')
    const result = await runCli(['load', '--input', GOLDEN_EXPORT, '--to', `parquet:${dir}`])
    expect(result.stderr).not.toMatch(/^Error/m)
    expect(result.code).toBe(0)
    expect(readdirSync(dir).filter((name) => !name.startsWith('.'))).toEqual(['month=2024-11'])
    expect(await lakeTotals(dir)).toEqual({rows: 1260, credits: GOLDEN_CREDITS, jobs: 1260})
    const schema = await query(`DESCRIBE SELECT * EXCLUDE (month) FROM ${lakeGlob(dir)}`)
    expect(schema.map((row) => [row.column_name, row.column_type])).toEqual(
      WAREHOUSE_COLUMNS.map((column) => [column.name, dialectType('duckdb', column.type)]),
    )
    const codecs = await query(`SELECT DISTINCT compression FROM parquet_metadata('${join(dir, '*', '*.parquet')}')`)
    expect(codecs.map((row) => row.compression)).toEqual(['ZSTD'])
    const before = await lakeContent(dir)
    expect((await runCli(['load', '--input', GOLDEN_EXPORT, '--to', `parquet:${dir}`])).code).toBe(0)
    expect(await lakeTotals(dir)).toEqual({rows: 1260, credits: GOLDEN_CREDITS, jobs: 1260})
    expect(await lakeContent(dir)).toBe(before)
    // Nothing is left beside the lake (staging folders, lock).
    expect(readdirSync(dirname(dir)).filter((name) => name.includes('cci-usage-'))).toEqual([])
    expect(existsSync(join(dir, '.cci-usage-load.lock'))).toBe(false)
  })

  maybe('overlapping windows leave each row once; reloading one month leaves the other months untouched', async () => {
    const golden = goldenLines()
    const shifted = twoMonths(golden)
    const early = writeCsv(inWork('lake-early.csv'), daysBetween(shifted, '2024-10-01', '2024-11-14'))
    const late = writeCsv(inWork('lake-late.csv'), daysBetween(shifted, '2024-11-12', '2024-11-18'))
    const dir = freshDir('lake')
    expect((await runCli(['load', '--input', early, '--to', `parquet:${dir}`])).code).toBe(0)
    expect(readdirSync(dir).filter((name) => !name.startsWith('.')).sort()).toEqual(['month=2024-10', 'month=2024-11'])
    const october = join(dir, 'month=2024-10', readdirSync(join(dir, 'month=2024-10'))[0])
    const octoberWritten = statSync(october).mtimeMs
    const result = await runCli(['load', '--input', late, '--to', `parquet:${dir}`])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('month(s) 2024-11')
    expect(statSync(october).mtimeMs).toBe(octoberWritten)
    expect(await lakeTotals(dir)).toEqual({rows: 1260, credits: sumMicroCredits(golden), jobs: 1260})
  })

  maybe('a load that fails leaves the lake as it was and nothing beside it', async () => {
    const golden = goldenLines()
    const dir = freshDir('lake')
    expect((await runCli(['load', '--input', GOLDEN_EXPORT, '--to', `parquet:${dir}`])).code).toBe(0)
    const before = await lakeContent(dir)
    const rows = [...golden.rows]
    rows[600] = withFields(rows[600], {IS_WORKFLOW_SUCCESSFUL: 'perhaps'})
    const bad = writeCsv(inWork('lake-bad.csv'), {header: golden.header, rows})
    const result = await runCli(['load', '--input', bad, '--to', `parquet:${dir}`])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(bad)
    expect(await lakeContent(dir)).toBe(before)
    expect(readdirSync(dirname(dir)).filter((name) => name.includes('.cci-usage-'))).toEqual([])
  })

  maybe('a foreign file in a month folder (another schema, inexact credits, not Parquet, not named .parquet) is one line and exit 2, the lake untouched', async () => {
    const cases: Array<[string, string | null, RegExp]> = [
      ['foreign.parquet', 'SELECT 1 AS a', /lacks column\(s\) organization_id, job_run_date, job_id, job_run_started_at, total_credits/],
      ['double.parquet', "SELECT 1.5::DOUBLE AS total_credits, 'j' AS job_id, 'o' AS organization_id, DATE '2024-11-12' AS job_run_date, TIMESTAMPTZ '2024-11-12 10:00:00+00' AS job_run_started_at", /total_credits is DOUBLE, not a decimal of 6 places/],
      ['junk.parquet', null, /cannot be read as Parquet/],
      // Not named .parquet: the month's swap dropped it silently.
      ['notes.txt', null, /notes\.txt is not a file this load wrote into .*: it is not a \.parquet file/],
    ]
    for (const [name, select, message] of cases) {
      const dir = freshDir('lake')
      expect((await runCli(['load', '--input', GOLDEN_EXPORT, '--to', `parquet:${dir}`])).code).toBe(0)
      const foreign = join(dir, 'month=2024-11', name)
      if (select === null) writeFileSync(foreign, 'not parquet\n')
      else await query(`COPY (${select}) TO '${foreign}' (FORMAT parquet)`)
      const listing = () => readdirSync(join(dir, 'month=2024-11')).map((file) => `${file}:${statSync(join(dir, 'month=2024-11', file)).ino}`).sort()
      const before = listing()
      const result = await runCli(['load', '--input', GOLDEN_EXPORT, '--to', `parquet:${dir}`])
      expect([name, result.code]).toEqual([name, 2])
      const errorLines = result.stderr.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('No export window'))
      expect(errorLines).toEqual([expect.stringMatching(message)])
      expect(errorLines[0]).toContain(foreign)
      expect(listing()).toEqual(before)
    }
  })

  maybe('a lake another live load holds is refused (exit 2); a lock left by a dead process is taken over', async () => {
    const dir = freshDir('lake')
    mkdirSync(dir, {recursive: true})
    writeFileSync(join(dir, '.cci-usage-load.lock'), lockHeldBy(process.pid))
    const locked = await runCli(['load', '--input', GOLDEN_EXPORT, '--to', `parquet:${dir}`])
    expect(locked.code).toBe(2)
    expect(locked.stderr).toContain(`pid ${process.pid}`)
    writeFileSync(join(dir, '.cci-usage-load.lock'), lockHeldBy(999_999_999))
    expect((await runCli(['load', '--input', GOLDEN_EXPORT, '--to', `parquet:${dir}`])).code).toBe(0)
  })

  maybe('reloading an earlier window keeps a job of one of its whole days that ran after it (a rerun days later), in the lake and in FOCUS', async () => {
    const split = withLateRerun(goldenLines())
    const early = writeExportFolder(inWork('rerun-early'), split.early, EARLY_WINDOW)
    const late = writeExportFolder(inWork('rerun-late'), split.late, LATE_WINDOW)
    const lake = freshDir('lake')
    const focus = freshDir('focus')
    for (const csv of [early, late, early]) {
      expect((await runCli(['load', '--input', csv, '--to', `parquet:${lake}`])).code).toBe(0)
      expect((await runCli(['load', '--input', csv, '--to', `focus:${focus}`])).code).toBe(0)
    }
    expect(await lakeTotals(lake)).toEqual({rows: 1260, credits: GOLDEN_CREDITS, jobs: 1260})
    const [row] = await query(`SELECT CAST(sum(PricingQuantity) AS VARCHAR) AS credits FROM read_parquet('${join(focus, '*', '*.parquet')}', hive_partitioning = true)`)
    expect(microCredits(String(row.credits))).toBe(GOLDEN_CREDITS)
  })

  maybe('reloading a file without a window whose last job started within its last millisecond leaves that job there once', async () => {
    // The file's window then ends at its last start, to the millisecond; a job that started exactly there is in it.
    const {lines, rerun, early} = withLateRerun(goldenLines())
    const precise = writeCsv(inWork('precise.csv'), {header: lines.header, rows: [...early.rows, withFields(rerun, {JOB_RUN_STARTED_AT: '2024-11-15 23:59:59.999500'})]})
    const lake = freshDir('lake')
    for (let i = 0; i < 2; i++) expect((await runCli(['load', '--input', precise, '--to', `parquet:${lake}`])).code).toBe(0)
    const loaded = {header: lines.header, rows: [...early.rows, rerun]}
    expect(await lakeTotals(lake)).toEqual({rows: loaded.rows.length, credits: sumMicroCredits(loaded), jobs: loaded.rows.length})
  })

  maybe('rows without a JOB_ID on a day two inputs of one load both hold whole are written once, in the lake and in FOCUS', async () => {
    // Two weekly exports overlapping on the 12th and 13th, both held whole by each, and three storage rows
    // without a JOB_ID on the 12th, which both exports carry.
    const golden = withJoblessRows(goldenLines(), '2024-11-12', 3)
    const early = writeExportFolder(inWork('jobless-early'), daysBetween(golden, '2024-11-10', '2024-11-14'), {start: '2024-11-10T00:00:00.000Z', end: '2024-11-15T00:00:00.000Z'})
    const late = writeExportFolder(inWork('jobless-late'), daysBetween(golden, '2024-11-12', '2024-11-18'), {start: '2024-11-12T00:00:00.000Z', end: '2024-11-19T00:00:00.000Z'})
    const lake = freshDir('lake')
    expect((await runCli(['load', '--input', early, '--input', late, '--to', `parquet:${lake}`])).code).toBe(0)
    expect(await lakeTotals(lake)).toEqual({rows: 1260, credits: GOLDEN_CREDITS, jobs: 1257})
    const focus = freshDir('focus')
    expect((await runCli(['load', '--input', early, '--input', late, '--to', `focus:${focus}`])).code).toBe(0)
    const [row] = await query(`SELECT CAST(sum(PricingQuantity) AS VARCHAR) AS credits FROM read_parquet('${join(focus, '*', '*.parquet')}', hive_partitioning = true)`)
    expect(microCredits(String(row.credits))).toBe(GOLDEN_CREDITS)
  })
})

/** FOCUS 1.2 columns whose Feature level is Mandatory (specification/columns/*.md at tag v1.2). */
const FOCUS_1_2_MANDATORY = [
  'BilledCost', 'BillingAccountId', 'BillingAccountName', 'BillingCurrency', 'BillingPeriodEnd', 'BillingPeriodStart',
  'ChargeCategory', 'ChargeClass', 'ChargeDescription', 'ChargePeriodEnd', 'ChargePeriodStart', 'ContractedCost',
  'EffectiveCost', 'InvoiceIssuerName', 'ListCost', 'PricingQuantity', 'PricingUnit', 'ProviderName', 'PublisherName',
  'ServiceCategory', 'ServiceName',
]
const CREDIT_KINDS = ['COMPUTE', 'DLC', 'USER', 'STORAGE', 'NETWORK', 'LEASE', 'LEASE_OVERAGE', 'IPRANGES']

describe('load --to focus:DIR', () => {
  maybe(`writes FOCUS ${FOCUS_VERSION} rows: every mandatory column, credits adding up to TOTAL_CREDITS, costs at the price`, async () => {
    const golden = goldenLines()
    const dir = freshDir('focus')
    const teams = inWork('teams.yml')
    writeFileSync(teams, 'platform:\n  - determined\n  - "det*"\nml:\n  - pachyderm\n')
    const result = await runCli(['load', '--input', GOLDEN_EXPORT, '--to', `focus:${dir}`, '--credit-price', '0.0006', '--teams', teams])
    expect(result.stderr).not.toMatch(/^Error/m)
    expect(result.code).toBe(0)
    expect(focusColumns(true).filter((column) => column.mandatory).map((column) => column.name).sort()).toEqual([...FOCUS_1_2_MANDATORY].sort())

    const source = `read_parquet('${join(dir, '*', '*.parquet')}', hive_partitioning = true)`
    const columns = (await query(`DESCRIBE SELECT * FROM ${source}`)).map((row) => String(row.column_name))
    for (const name of FOCUS_1_2_MANDATORY) expect(columns).toContain(name)
    // Non-null everywhere, except ChargeClass, which FOCUS requires to be null on rows that are not corrections.
    const nulls = await query(`SELECT ${FOCUS_1_2_MANDATORY.map((name) => `count(*) FILTER (WHERE "${name}" IS NULL) AS "${name}"`).join(', ')}, count(*) AS total FROM ${source}`)
    const total = Number(nulls[0].total)
    for (const name of FOCUS_1_2_MANDATORY) expect([name, Number(nulls[0][name])]).toEqual([name, name === 'ChargeClass' ? total : 0])

    // One row per export row and credit kind with non-zero credits.
    const nonZeroCells = golden.rows.reduce((count, row) => count + CREDIT_KINDS.filter((kind) => Number(field(row, `${kind}_CREDITS`)) !== 0).length, 0)
    expect(total).toBe(nonZeroCells)
    const [sums] = await query(
      `SELECT CAST(sum(PricingQuantity) AS VARCHAR) AS q, CAST(sum(BilledCost) AS VARCHAR) AS billed, count(*) FILTER (WHERE BilledCost <> EffectiveCost OR BilledCost <> ListCost OR BilledCost <> ContractedCost) AS differ,
        count(*) FILTER (WHERE ChargePeriodEnd <= ChargePeriodStart) AS empty_periods,
        count(*) FILTER (WHERE BillingPeriodStart <> date_trunc('month', ChargePeriodStart)) AS off_period,
        count(DISTINCT ChargeCategory) AS categories, min(ChargeCategory) AS category, min(PricingUnit) AS unit, min(ServiceName) AS service, min(BillingCurrency) AS currency
       FROM ${source}`,
    )
    expect(microCredits(String(sums.q))).toBe(GOLDEN_CREDITS)
    expect(String(sums.billed)).toMatch(/^319\.4436(0*)$/)
    expect(sums).toMatchObject({differ: '0', empty_periods: '0', off_period: '0', categories: '1', category: 'Usage', unit: 'Credits', service: 'CircleCI', currency: 'USD'})

    // The job's start and stop; SkuId is resource class and credit kind; Tags carry workflow, branch, executor, team.
    const first = golden.rows[0]
    const [row] = await query(
      `SELECT strftime(ChargePeriodStart, '%Y-%m-%d %H:%M:%S.%g') AS s, strftime(ChargePeriodEnd, '%Y-%m-%d %H:%M:%S.%g') AS e, SkuId, SubAccountId, BillingAccountId, Tags
       FROM ${source} WHERE ResourceId = '${field(first, 'JOB_ID')}' AND x_CreditKind = 'compute'`,
    )
    expect(row).toMatchObject({
      s: field(first, 'JOB_RUN_STARTED_AT'),
      e: field(first, 'JOB_RUN_STOPPED_AT'),
      SkuId: `${field(first, 'RESOURCE_CLASS')}:compute`,
      SubAccountId: field(first, 'PROJECT_ID'),
      BillingAccountId: field(first, 'ORGANIZATION_ID'),
    })
    expect(JSON.parse(String(row.Tags))).toEqual({
      'circleci/workflow': field(first, 'WORKFLOW_NAME'),
      'circleci/branch': field(first, 'VCS_BRANCH'),
      'circleci/executor': field(first, 'EXECUTOR'),
      team: 'platform',
    })
  })

  maybe('a --credit-price the FOCUS rows cannot hold exactly is refused (exit 2, one line), not rounded; one they can is exact', async () => {
    for (const price of ['0.00000000004', '0.000583333333333', '123456789']) {
      const dir = freshDir('focus')
      const result = await runCli(['load', '--input', GOLDEN_EXPORT, '--to', `focus:${dir}`, '--credit-price', price])
      expect([price, result.code]).toEqual([price, 2])
      expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^Error: --credit-price ${price.replace('.', '\\.')} cannot be a FOCUS unit price exactly`))])
      expect(existsSync(dir) ? readdirSync(dir).filter((name) => name.startsWith('month=')) : []).toEqual([])
    }
    const dir = freshDir('focus')
    expect((await runCli(['load', '--input', GOLDEN_EXPORT, '--to', `focus:${dir}`, '--credit-price', '0.0005833333'])).code).toBe(0)
    const [sums] = await query(`SELECT CAST(sum(BilledCost) AS VARCHAR) AS billed, CAST(min(ListUnitPrice) AS VARCHAR) AS price FROM read_parquet('${join(dir, '*', '*.parquet')}')`)
    expect(sums.price).toBe('0.0005833333')
    // Micro-credits x the price in 10^-10 dollars: the cost in 10^-16 dollars.
    const [whole, fraction] = String(sums.billed).split('.')
    expect(BigInt(whole) * 10n ** 16n + BigInt(fraction.padEnd(16, '0'))).toBe(GOLDEN_CREDITS * 5_833_333n)
  })

  maybe('a charge without a JOB_ID has no ResourceName or ResourceType (FOCUS: null when ResourceId is null)', async () => {
    const golden = goldenLines()
    const index = golden.rows.findIndex((row) => field(row, 'JOB_RUN_DATE') === '2024-11-13' && Number(field(row, 'TOTAL_CREDITS')) > 0 && field(row, 'JOB_NAME') !== NULL_CELL)
    const rows = [...golden.rows]
    rows[index] = withFields(rows[index], {JOB_ID: NULL_CELL})
    const csv = writeCsv(inWork('no-job-id.csv'), {header: golden.header, rows})
    const dir = freshDir('focus')
    const result = await runCli(['load', '--input', csv, '--to', `focus:${dir}`])
    expect(result.code).toBe(0)
    const source = `read_parquet('${join(dir, '*', '*.parquet')}')`
    const [jobless] = await query(
      `SELECT count(*) AS n, count(ResourceName) AS names, count(ResourceType) AS types, CAST(sum(PricingQuantity) AS VARCHAR) AS q FROM ${source} WHERE ResourceId IS NULL`,
    )
    expect(jobless).toEqual({n: expect.not.stringMatching(/^0$/), names: '0', types: '0', q: expect.any(String)})
    expect(microCredits(String(jobless.q))).toBe(microCredits(field(rows[index], 'TOTAL_CREDITS')))
    const [withJob] = await query(`SELECT count(*) FILTER (WHERE ResourceType IS DISTINCT FROM 'Job') AS other FROM ${source} WHERE ResourceId IS NOT NULL`)
    expect(withJob.other).toBe('0')
  })

  maybe('a row with credits but an empty TOTAL_CREDITS stops a FOCUS load with one line and exit 2, the folder untouched', async () => {
    const golden = goldenLines()
    const index = golden.rows.findIndex((row) => Number(field(row, 'COMPUTE_CREDITS')) > 0)
    const rows = [...golden.rows]
    rows[index] = withFields(rows[index], {TOTAL_CREDITS: NULL_CELL})
    const csv = writeCsv(inWork('no-total.csv'), {header: golden.header, rows})
    const dir = freshDir('focus')
    expect((await runCli(['load', '--input', GOLDEN_EXPORT, '--to', `focus:${dir}`])).code).toBe(0)
    const before = await lakeContent(dir)
    const result = await runCli(['load', '--input', csv, '--to', `focus:${dir}`])
    expect(result.code).toBe(2)
    expect(result.stderr.split('\n').filter((line) => line.startsWith('Error'))).toEqual([expect.stringContaining('1 row(s) have credits in their credit columns but an empty TOTAL_CREDITS')])
    expect(result.stderr).not.toMatch(/unexpected|^\s+at /m)
    expect(await lakeContent(dir)).toBe(before)
  })

  maybe('without --credit-price the costs are 0 and the CLI says so; a reload changes nothing', async () => {
    const dir = freshDir('focus')
    const result = await runCli(['load', '--input', GOLDEN_EXPORT, '--to', `focus:${dir}`])
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/no --credit-price: the FOCUS costs .* are 0/)
    const source = `read_parquet('${join(dir, '*', '*.parquet')}')`
    const [before] = await query(`SELECT count(*) AS n, CAST(sum(PricingQuantity) AS VARCHAR) AS q, max(abs(BilledCost)) AS cost FROM ${source}`)
    expect(Number(before.cost)).toBe(0)
    expect((await runCli(['load', '--input', GOLDEN_EXPORT, '--to', `focus:${dir}`])).code).toBe(0)
    const [after] = await query(`SELECT count(*) AS n, CAST(sum(PricingQuantity) AS VARCHAR) AS q, max(abs(BilledCost)) AS cost FROM ${source}`)
    expect(after).toEqual(before)
    expect(microCredits(String(after.q))).toBe(GOLDEN_CREDITS)
  })
})
