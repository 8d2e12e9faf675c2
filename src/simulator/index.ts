import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'

import {systemClock} from '../core/clock.js'
import {type Dataset, demoDataset, fileDataset, selectRows} from './dataset.js'
import {createFaultBook} from './faults.js'
import {DEMO_FLAKY_TESTS} from './flaky-tests.js'
import {createJobStore} from './jobs.js'
import {createSlidingWindowLimiter} from './rate-limit.js'
import {createApiHandler, createDownloadHandler, type ServerContext} from './server.js'
import {createUrlSigner} from './signing.js'
import type {RecordedRequest, Simulator, SimulatorOptions} from './types.js'

export type {Fault, RecordedRequest, SharesForBehaviour, Simulator, SimulatorJob, SimulatorOptions} from './types.js'
export {USAGE_COLUMNS} from '../core/usage-columns.js'

const HOUR_MS = 3_600_000
const MINUTE_MS = 60_000

/**
 * A local stand-in for the CircleCI Usage API: an API server and a separate presigned-download server, both on
 * 127.0.0.1 with OS-assigned ports. Used by `--demo` and by every export-pipeline test.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const clock = options.clock ?? systemClock
  const dataset: Dataset = options.dataset && options.dataset !== 'demo'
    ? await fileDataset(options.dataset.file)
    : demoDataset({seed: options.seed ?? 42, now: clock(), rowsPerDay: options.demoRowsPerDay ?? 150})
  const parts = Math.max(1, Math.floor(options.parts ?? 3))
  const token = options.token ?? 'demo-token'
  const rateLimits = options.rateLimits ?? {postPerHour: 10, getPerMinute: 10}
  const faults = createFaultBook(options.faults ?? [])
  const requests: RecordedRequest[] = []
  const jobs = createJobStore({dataset, parts, pendingPolls: Math.max(0, options.pendingPolls ?? 2), faults})

  let downloadOrigin = ''
  const context: ServerContext = {
    clock, token, dataset, jobs, faults, requests,
    flakyTests: options.flakyTests ?? (options.dataset && options.dataset !== 'demo' ? {} : DEMO_FLAKY_TESTS),
    allowedOrgIds: new Set(options.orgIds ?? dataset.orgIds),
    signer: createUrlSigner(clock),
    postLimiter: createSlidingWindowLimiter(rateLimits.postPerHour, HOUR_MS, clock),
    getLimiter: createSlidingWindowLimiter(rateLimits.getPerMinute, MINUTE_MS, clock),
    urlTtlSeconds: options.urlTtlSeconds ?? 600,
    sharesFor: options.sharesFor,
    downloadOrigin: () => downloadOrigin,
  }
  const apiServer = createServer(createApiHandler(context))
  const downloadServer = createServer(createDownloadHandler(context))
  const apiUrl = await listen(apiServer)
  try {
    downloadOrigin = await listen(downloadServer)
  } catch (error) {
    await close(apiServer)
    throw error
  }

  return {
    apiUrl,
    downloadOrigin,
    token,
    requests,
    header: [...dataset.header],
    datasetOrgIds: [...dataset.orgIds],
    jobs: () => jobs.all().map((job) => ({
      id: job.id, orgId: job.orgId, start: job.start, end: job.end, state: jobs.stateOf(job), rows: job.lines.length,
    })),
    expectedRows: (orgIds, start, end) =>
      selectRows(dataset, orgIds, start.getTime(), end.getTime()).map((row) => row.line),
    close: async () => {
      await Promise.all([close(apiServer), close(downloadServer)])
    },
  }
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as AddressInfo
      resolve(`http://127.0.0.1:${port}`)
    })
  })
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    // Keep-alive sockets from clients would otherwise hold close() open.
    server.closeAllConnections()
    server.close(() => resolve())
  })
}
