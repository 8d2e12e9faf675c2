/**
 * The export's rollup is built in passes of whole days (so that both threads fit DuckDB's budget): whatever the
 * pass size, it holds exactly the rows one GROUP BY over the whole export gives.
 */
import {openUsage, type UsageSource} from '../../src/analysis/engine.js'
import {createExportRollup} from '../../src/history/queries.js'
import {ROLLUP_COLUMNS, rollupSql} from '../../src/history/rollup.js'
import {GOLDEN_EXPORT, haveGoldenExport} from '../helpers/repo.js'
import {exportCsv, job, tempDir, writeFixture} from '../report/fixtures.js'

const sorted = `ORDER BY ${ROLLUP_COLUMNS.map((name) => `${name} NULLS FIRST`).join(', ')}`

async function rollupRows(source: UsageSource, rowsPerPass?: number): Promise<unknown[]> {
  await source.connection.run("ATTACH IF NOT EXISTS ':memory:' AS work")
  const rollup = await createExportRollup(source.connection, source.view, rowsPerPass === undefined ? {} : {rowsPerPass})
  return (await source.connection.runAndReadAll(`SELECT * FROM ${rollup} ${sorted}`)).getRowObjectsJson()
}

async function oneStatement(source: UsageSource): Promise<unknown[]> {
  return (await source.connection.runAndReadAll(`SELECT * FROM (${rollupSql(source.view, 'TRUE')}) ${sorted}`)).getRowObjectsJson()
}

describe('the export rollup in passes', () => {
  it('one pass per day, a day bigger than a pass, rows without a day: the same groups and sums as one statement', async () => {
    const rows = [
      ...['2024-11-11', '2024-11-12', '2024-11-12', '2024-11-12', '2024-11-14'].map((day, i) => job({JOB_RUN_DATE: day, JOB_NAME: `job-${i % 2}`, TOTAL_CREDITS: 10 + i})),
      job({JOB_RUN_DATE: '2024-11-12', JOB_NAME: 'job-0', TOTAL_CREDITS: 0.000001}),
      // A workflow that ran no job, and a row without a day: a group of its own, in no day's pass.
      job({JOB_NAME: undefined, TOTAL_CREDITS: 7.5}),
      job({JOB_RUN_DATE: undefined, TOTAL_CREDITS: 3}),
    ]
    const file = writeFixture(tempDir(), 'usage.csv', exportCsv(rows))
    const source = await openUsage([file])
    try {
      const whole = await oneStatement(source)
      expect(whole.length).toBeGreaterThan(4)
      for (const rowsPerPass of [1, 2, 3, 1000]) expect(await rollupRows(source, rowsPerPass)).toEqual(whole)
    } finally {
      await source.close()
    }
  })

  const golden = haveGoldenExport('rollup passes on the real export') ? it : it.skip
  golden('on the real export, in passes of 50 rows and with the budget\'s own size', async () => {
    const source = await openUsage([GOLDEN_EXPORT])
    try {
      const whole = await oneStatement(source)
      expect(await rollupRows(source, 50)).toEqual(whole)
      expect(await rollupRows(source)).toEqual(whole)
    } finally {
      await source.close()
    }
  })
})
