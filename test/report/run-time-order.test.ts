/**
 * Run times are summed exactly, so the same rows give the same figures in any order and on any number of threads.
 * Summed as DOUBLEs they did not: DuckDB adds a group's values in the order it meets them, which is the file's at one
 * thread and a parallel GROUP BY's at more, and fractional seconds summing to a half hundredth of a minute read
 * 37.57 one way and 37.58 the other (a by-project.csv changed between two runs on the same 50 MB export).
 */
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'

import {openUsage} from '../../src/analysis/engine.js'
import {buildReportSummary} from '../../src/analysis/index.js'
import {createExportRollup} from '../../src/history/queries.js'
import {exportCsv, job, tempDir, writeFixture} from './fixtures.js'

const clock = () => new Date('2024-11-20T00:00:00Z')

// One job's runs (one group of the cube, one of the rollup), 2,254.5 s in all: 37.575 minutes, which rounds half up
// to 37.58. Found by searching DuckDB's sums: added in this order they make 2254.4999999999995, reversed 2254.5.
const SECONDS = [824.3, 113.5, 286.9, 426.7, 323.9, 279.2]
const rows = SECONDS.map((seconds, index) => job({JOB_ID: `job-${index}`, JOB_RUN_SECONDS: seconds, TOTAL_CREDITS: 10}))
const dir = tempDir()
const inOrder = writeFixture(dir, 'in-order.csv', exportCsv(rows))
const reversed = writeFixture(dir, 'reversed.csv', exportCsv([...rows].reverse()))

/** The exact total in milliseconds, from the fixture's decimal text rather than through floating point. */
const totalMs = SECONDS.reduce((sum, seconds) => sum + Number(seconds.toFixed(3).replace('.', '')), 0)

// DuckDB's threads come from the environment (engine-settings.ts); one thread adds the rows in the file's order.
let savedThreads: string | undefined
beforeAll(() => {
  savedThreads = process.env.CCI_USAGE_THREADS
})
afterAll(() => {
  if (savedThreads === undefined) delete process.env.CCI_USAGE_THREADS
  else process.env.CCI_USAGE_THREADS = savedThreads
})

async function summaryOf(file: string, threads: number) {
  process.env.CCI_USAGE_THREADS = String(threads)
  const {summary, tables} = await buildReportSummary({inputs: [file]}, clock)
  return {summary: {...summary, input: {...summary.input, files: []}}, tables}
}

describe('run time summed exactly', () => {
  it('gives the same report whatever the order of the rows and the threads, with the exact minutes', async () => {
    const first = await summaryOf(inOrder, 1)
    for (const [file, threads] of [[reversed, 1], [inOrder, 4], [reversed, 4]] as const) {
      expect({file, threads, ...(await summaryOf(file, threads))}).toEqual({file, threads, ...first})
    }
    // 2,254,500 ms / 60,000 = 37.575 minutes, half up to two places.
    const exactMinutes = Math.round(totalMs / 600) / 100
    expect(first.summary.totals.computeMinutes).toBe(exactMinutes)
    expect(first.tables.project?.[0].computeMinutes).toBe(exactMinutes)
  })

  it("keeps the history's rollup the same whatever the order of the rows", async () => {
    const runSeconds = async (file: string) => {
      process.env.CCI_USAGE_THREADS = '1'
      const source = await openUsage([file])
      try {
        await source.connection.run("ATTACH IF NOT EXISTS ':memory:' AS work")
        const rollup = await createExportRollup(source.connection, source.view)
        return (await source.connection.runAndReadAll(`SELECT RUN_SECONDS, RUN_SECONDS_COUNT FROM ${rollup}`)).getRowObjectsJS()
      } finally {
        await source.close()
      }
    }
    const want = [{RUN_SECONDS: totalMs / 1000, RUN_SECONDS_COUNT: BigInt(SECONDS.length)}]
    expect(await runSeconds(inOrder)).toEqual(want)
    expect(await runSeconds(reversed)).toEqual(want)
  })
})
