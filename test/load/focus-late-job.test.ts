/**
 * docs/warehouse.md: a job dated on a day the window holds whole but started after the window (an approval held
 * for days, a rerun in an old pipeline) came with a later export, so "reloading an older export after a newer one
 * keeps it". FOCUS compares a row's ChargePeriodStart with the window's end, and ChargePeriodStart was the job's
 * start only when its row also had a stop after the start: a job exported without a stop (still running, or
 * canceled) got its day's midnight, so the older export's whole-day replace deleted it from FOCUS while Postgres
 * and the lake kept it: its credits were lost from the FOCUS folder until the newer export was loaded again.
 * Found by the warehouse fuzz (FOCUS and Postgres compared after the same loads).
 */
import {join} from 'node:path'

import {runCli} from '../helpers/cli.js'
import {field, goldenLines, NULL_CELL, withFields, writeExportFolder, type Lines} from './fixtures.js'
import {lakeTestFolder, query} from './lake-read.js'

const {maybe, fresh, inWork} = lakeTestFolder('the FOCUS late-job tests', 'cci-usage-focus-late-')

const LATE_JOB = '00000000-0000-4000-8000-00000000late'

describe('load --to focus: a job that started after an older window', () => {
  maybe('reloading the older export after the newer one keeps the job, with or without a stop, as the lake does', async () => {
    const golden = goldenLines()
    const source = golden.rows.find((row) => field(row, 'JOB_RUN_DATE') === '2024-11-12' && Number(field(row, 'COMPUTE_CREDITS')) > 0 && field(row, 'TOTAL_CREDITS') === field(row, 'COMPUTE_CREDITS'))!
    // A job of a pipeline of the 12th that started on the 16th and has no stop in the export.
    const late = withFields(source, {JOB_ID: LATE_JOB, JOB_RUN_STARTED_AT: '2024-11-16 10:00:00.000', JOB_RUN_STOPPED_AT: NULL_CELL})
    const newer: Lines = {header: golden.header, rows: [...golden.rows, late]}
    // The older export's window ends on the 14th at midnight: it holds the 12th whole, and not the late job.
    const older: Lines = {header: golden.header, rows: golden.rows.filter((row) => field(row, 'JOB_RUN_STARTED_AT') < '2024-11-14')}
    const newerCsv = writeExportFolder(inWork('newer'), newer, {start: '2024-11-10T00:00:00.000Z', end: '2024-11-19T00:00:00.000Z'})
    const olderCsv = writeExportFolder(inWork('older'), older, {start: '2024-11-10T00:00:00.000Z', end: '2024-11-14T00:00:00.000Z'})

    const lake = fresh('lake')
    const focus = fresh('focus')
    for (const input of [newerCsv, olderCsv]) {
      for (const target of [`parquet:${lake}`, `focus:${focus}`]) {
        const result = await runCli(['load', '--input', input, '--to', target])
        expect(result.stderr).not.toMatch(/^Error/m)
        expect(result.code).toBe(0)
      }
    }
    const [inLake] = await query(`SELECT count(*) AS n, CAST(sum(total_credits) AS VARCHAR) AS c FROM read_parquet('${join(lake, '*', '*.parquet')}') WHERE job_id = '${LATE_JOB}'`)
    expect(inLake).toEqual({n: '1', c: expect.stringMatching(new RegExp(`^${field(late, 'TOTAL_CREDITS')}(\\.0+)?$`))})
    const [inFocus] = await query(
      `SELECT count(*) AS n, CAST(sum(PricingQuantity) AS VARCHAR) AS c, min(strftime(ChargePeriodStart AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S')) AS s,
         count(*) FILTER (WHERE ChargePeriodEnd <= ChargePeriodStart) AS empty
       FROM read_parquet('${join(focus, '*', '*.parquet')}') WHERE ResourceId = '${LATE_JOB}'`,
    )
    expect(inFocus).toEqual({n: '1', c: inLake.c, s: '2024-11-16 10:00:00', empty: '0'})
  })
})
