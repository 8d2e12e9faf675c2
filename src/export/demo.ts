import type {Clock} from '../core/clock.js'
import type {SimulatorOptions} from '../simulator/types.js'
import {registerSecret} from '../core/secrets.js'
import type {ApiCredentials} from './flags.js'
import {runExport, type ExportContext, type ExportOptions, type ExportResult} from './index.js'

export interface DemoApi {
  host: string
  token: string
  orgId: string
  /** The demo data has three organizations sharing one plan, as a real shared-plan export would. */
  sharedOrgIds: string[]
  /**
   * The simulator has no real queue: polling every quarter second keeps the demo quick (a first run with a
   * history polls three windows twice each) and well within its 10 GETs a minute.
   */
  pollIntervalMs: number
}

/**
 * Runs `fn` against the embedded Usage API simulator (started in-process, closed afterwards), so `--demo`
 * needs no token and no network. The simulator is imported lazily: real exports never load it.
 */
export async function withDemoApi<T>(fn: (api: DemoApi) => Promise<T>, clock?: Clock, simulatorOptions: Pick<SimulatorOptions, 'demoRowsPerDay'> = {}): Promise<T> {
  const {startSimulator} = await import('../simulator/index.js')
  const simulator = await startSimulator({clock, pendingPolls: 1, ...simulatorOptions})
  try {
    registerSecret(simulator.token)
    const [orgId, ...sharedOrgIds] = simulator.datasetOrgIds
    return await fn({host: simulator.apiUrl, token: simulator.token, orgId, sharedOrgIds, pollIntervalMs: 250})
  } finally {
    await simulator.close()
  }
}

/** Where an export runs: the real API with these credentials, or 'demo' for the embedded simulator. */
export type ExportTarget = ApiCredentials | 'demo'

/** runExport against `target`: the one place that decides between the real API and `--demo`. */
export function runExportOn(
  target: ExportTarget,
  options: Omit<ExportOptions, 'host' | 'token' | 'orgId'>,
  context: ExportContext,
): Promise<ExportResult> {
  // The demo shows discovery: its simulator answers shares-for like CircleCI.
  if (target === 'demo') return withDemoApi((api) => runExport({...options, ...api, discoverSharedOrgs: true, demo: true}, context), context.clock)
  return runExport({...options, ...target}, context)
}
