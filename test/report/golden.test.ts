import {readFileSync} from 'node:fs'

import {buildCube} from '../../src/analysis/aggregate.js'
import {openUsage} from '../../src/analysis/engine.js'
import {buildReportSummary} from '../../src/analysis/index.js'
import {GOLDEN_EXPORT as GOLDEN, haveGoldenExport} from '../helpers/repo.js'
import {tempDir, writeFixture} from './fixtures.js'
import {gunzipSync} from 'node:zlib'

const clock = () => new Date('2024-11-20T00:00:00Z')
const present = haveGoldenExport('the golden report tests')
const maybe = present ? describe : describe.skip

maybe('the real export (figures from /work/shared/data/README.md)', () => {
  it('matches every published figure in the Summary', async () => {
    const {summary} = await buildReportSummary({inputs: [GOLDEN], top: 5}, clock)
    expect(summary.input).toEqual({files: ['usage-export-2024-11-10_2024-11-18.csv.gz'], rows: 1260, duplicateRowsDropped: 0})
    expect(summary.totals.rows).toBe(1260)
    expect(summary.totals.credits.total).toBe(532406)
    expect(summary.totals.projects).toBe(47)
    expect(summary.totals.orgs).toBe(3)
    expect(summary.totals.joblessRows).toBe(228)
    expect(summary.totals.jobs).toBe(1260 - 228)
    expect(summary.totals.credits).toEqual({
      compute: 468347, dlc: 1400, user: 0, storage: 62343, network: 316, lease: 0, leaseOverage: 0, ipranges: 0, other: 0, total: 532406,
    })
    expect(summary.totals.computeMinutes).toBeCloseTo(380954 / 60, 2)
    const orgs = Object.fromEntries(summary.breakdowns.org.map((bucket) => [bucket.key, [bucket.rows, bucket.credits]]))
    expect(orgs).toEqual({'determined-ai': [1022, 432504], pachyderm: [45, 97849], 'hpe-hcss': [193, 2053]})
    expect(summary.breakdowns.project.slice(0, 5).map((bucket) => [bucket.key, bucket.credits])).toEqual([
      ['determined', 367190], ['pachyderm', 93846], ['lore', 37218], ['aioli', 26935], ['haberdashery', 4003],
    ])
    expect(summary.failed.credits).toBe(122882)
    expect(summary.failed.jobs).toBe(64)
    expect(summary.canceled.credits).toBe(4768)
    // 179 canceled rows, of which 162 have no job: job-less rows are not jobs.
    expect(summary.canceled.jobs).toBe(17)
    const executors = Object.fromEntries(summary.breakdowns.executor.map((bucket) => [bucket.key, bucket.rows]))
    expect(executors).toEqual({docker: 638, machine: 282, '(none)': 236, 'remote-docker': 73, runner: 31})
    expect(summary.window).toEqual({start: '2024-11-10T00:00:00.000Z', end: '2024-11-19T00:00:00.000Z', days: 9})
    // The day breakdown covers every credit of the window exactly.
    expect(summary.breakdowns.day.reduce((sum, day) => sum + day.credits, 0)).toBe(532406)
    expect(summary.dayByProject.reduce((sum, point) => sum + point.credits, 0)).toBe(532406)
  })

  it('counts job statuses by rows in the engine, as the README does', async () => {
    const source = await openUsage([GOLDEN])
    try {
      const cube = await buildCube(source, undefined, null)
      const statuses = await cube.breakdown('status', null)
      expect(Object.fromEntries(statuses.map((group) => [group.dims.status, group.rows]))).toEqual({
        success: 947, canceled: 179, failed: 64, blocked: 51, running: 14, queued: 5,
      })
      expect(statuses.find((group) => group.dims.status === 'canceled')?.credits).toBe(4768_000000n)
      const jobless = await source.connection.runAndReadAll(
        'SELECT COUNT(*) AS n, SUM(TOTAL_CREDITS)::VARCHAR AS credits, COUNT(*) FILTER (WHERE MEDIAN_CPU_UTILIZATION_PCT IS NULL) AS no_cpu FROM usage WHERE JOB_NAME IS NULL',
      )
      expect(jobless.getRowObjectsJson()[0]).toEqual({n: '228', credits: '0.000000', no_cpu: '228'})
      const nullCpu = await source.connection.runAndReadAll('SELECT COUNT(*) AS n FROM usage WHERE MEDIAN_CPU_UTILIZATION_PCT IS NULL')
      expect(Number(nullCpu.getRowObjectsJson()[0].n)).toBe(711)
      const sums = await source.connection.runAndReadAll(
        'SELECT COUNT(*) FILTER (WHERE TOTAL_CREDITS <> COMPUTE_CREDITS + DLC_CREDITS + USER_CREDITS + STORAGE_CREDITS + NETWORK_CREDITS + LEASE_CREDITS + LEASE_OVERAGE_CREDITS + IPRANGES_CREDITS) AS mismatched, SUM(JOB_RUN_SECONDS) AS seconds FROM usage',
      )
      expect(sums.getRowObjectsJson()[0]).toEqual({mismatched: '0', seconds: 380954})
      await cube.drop()
    } finally {
      await source.close()
    }
  })

  it('gives the same summary from the gzip file and a plain copy', async () => {
    const dir = tempDir()
    const csvPath = writeFixture(dir, 'usage.csv', gunzipSync(readFileSync(GOLDEN)))
    const fromGzip = await buildReportSummary({inputs: [GOLDEN]}, clock)
    const fromPlain = await buildReportSummary({inputs: [csvPath]}, clock)
    expect({...fromPlain.summary, input: null}).toEqual({...fromGzip.summary, input: null})
  })
})
