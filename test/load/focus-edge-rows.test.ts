/**
 * FOCUS rows of export rows at the edges: a credit cell left null while TOTAL_CREDITS counts it, a negative
 * adjustment, a job whose stop is its start, and a row without a JOB_ID whose start is after its JOB_RUN_DATE.
 * Every credit of TOTAL_CREDITS must reach PricingQuantity (the report, the lake and Postgres count them all), no
 * charge period may be empty, and a row without a job has its JOB_RUN_DATE's whole day (docs/warehouse.md, FOCUS columns).
 * Checked against the rows' own sums, taken from the CSV text.
 */
import {join} from 'node:path'

import {runCli} from '../helpers/cli.js'
import {field, goldenLines, microCredits, NULL_CELL, sumMicroCredits, withFields, writeCsv, type Lines} from './fixtures.js'
import {lakeTestFolder, query} from './lake-read.js'

const {maybe, fresh, inWork} = lakeTestFolder('the FOCUS edge-row tests', 'cci-usage-focus-edge-')

const REFUND_JOB = '00000000-0000-4000-8000-0000000refund'

describe('load --to focus: edge rows', () => {
  maybe('every credit of TOTAL_CREDITS is in PricingQuantity, every charge period has a length, a job-less row has its whole day', async () => {
    const golden = goldenLines()
    const positive = (name: string) => (row: string) => field(row, name) !== NULL_CELL && microCredits(field(row, name)) > 0n
    // A storage cell left null (TOTAL_CREDITS still counts it): its credits have no kind but are credits.
    const nulled = golden.rows.findIndex(positive('STORAGE_CREDITS'))
    // A job that stopped the instant it started.
    const instant = golden.rows.findIndex((row, index) => index !== nulled && positive('COMPUTE_CREDITS')(row) && field(row, 'JOB_RUN_STARTED_AT') !== NULL_CELL)
    const rows = golden.rows.map((row, index) => {
      if (index === nulled) return withFields(row, {STORAGE_CREDITS: NULL_CELL})
      if (index === instant) return withFields(row, {JOB_RUN_STOPPED_AT: field(row, 'JOB_RUN_STARTED_AT')})
      return row
    })
    // A negative adjustment, as a row of its own.
    const refund = withFields(golden.rows[instant], {JOB_ID: REFUND_JOB, COMPUTE_CREDITS: '-5.5', TOTAL_CREDITS: '-5.5', DLC_CREDITS: '0', STORAGE_CREDITS: '0', NETWORK_CREDITS: '0'})
    // Network credits without a JOB_ID, dated the 12th, with a start after that midnight: the row has its whole day.
    const jobless = withFields(golden.rows[instant], {
      JOB_ID: NULL_CELL, JOB_NAME: NULL_CELL, JOB_RUN_DATE: '2024-11-12', JOB_RUN_STARTED_AT: '2024-11-13 01:00:00.000', JOB_RUN_STOPPED_AT: '2024-11-13 01:10:00.000',
      COMPUTE_CREDITS: '0', DLC_CREDITS: '0', STORAGE_CREDITS: '0', NETWORK_CREDITS: '0.000777', TOTAL_CREDITS: '0.000777',
    })
    const lines: Lines = {header: golden.header, rows: [...rows, refund, jobless]}
    const input = writeCsv(inWork('edge.csv'), lines)
    const focus = fresh('focus')
    const result = await runCli(['load', '--input', input, '--to', `focus:${focus}`])
    expect(result.stderr).not.toMatch(/^Error/m)
    expect(result.code).toBe(0)

    const source = `read_parquet('${join(focus, '*', '*.parquet')}', hive_partitioning = true)`
    const [sums] = await query(
      `SELECT CAST(sum(PricingQuantity) AS VARCHAR) AS q, count(*) FILTER (WHERE ChargePeriodEnd <= ChargePeriodStart) AS empty_periods FROM ${source}`,
    )
    expect(microCredits(String(sums.q))).toBe(sumMicroCredits(lines))
    expect(sums.empty_periods).toBe('0')
    const perJob = async (job: string) =>
      microCredits(String((await query(`SELECT CAST(coalesce(sum(PricingQuantity), 0) AS VARCHAR) AS q FROM ${source} WHERE ResourceId = '${job}'`))[0].q))
    expect(await perJob(field(rows[nulled], 'JOB_ID'))).toBe(microCredits(field(rows[nulled], 'TOTAL_CREDITS')))
    expect(await perJob(REFUND_JOB)).toBe(microCredits(field(refund, 'TOTAL_CREDITS')))
    const [day] = await query(
      `SELECT strftime(ChargePeriodStart AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S') AS s, strftime(ChargePeriodEnd AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S') AS e
       FROM ${source} WHERE ResourceId IS NULL AND PricingQuantity = 0.000777`,
    )
    expect(day).toEqual({s: '2024-11-12 00:00:00', e: '2024-11-13 00:00:00'})
  })
})
