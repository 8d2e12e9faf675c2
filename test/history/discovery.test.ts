/**
 * run --history with --discover-shared-orgs: the export holds every organization sharing the plan, so the history
 * must be keyed by all of them, not by the ones given on the command line (its own simulator: the runs here would
 * otherwise eat the POST and status-check budgets of pipeline.test.ts).
 */
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {BadInputError} from '../../src/core/errors.js'
import {forgetSecrets} from '../../src/core/secrets.js'
import {HISTORY_FILE, type HistoryManifest} from '../../src/history/store.js'
import type {WeeklyOptions} from '../../src/pipeline/weekly.js'
import {startSimulator, type Simulator} from '../../src/simulator/index.js'
import {fakeTime} from '../export/helpers.js'
import {runWeekBefore} from './weekly-run.js'

let sim: Simulator
let time: ReturnType<typeof fakeTime>
let root: string

beforeAll(async () => {
  time = fakeTime('2024-11-18T06:00:00Z')
  sim = await startSimulator({clock: time.clock, pendingPolls: 1})
  root = await mkdtemp(join(tmpdir(), 'cci-history-discovery-'))
})

afterAll(async () => {
  await sim?.close()
  await rm(root, {recursive: true, force: true})
  forgetSecrets()
})

const posts = () => sim.requests.filter((request) => request.server === 'api' && request.method === 'POST').length

const run = (name: string, overrides: Partial<WeeklyOptions>) => runWeekBefore({sim, time, root}, name, {compare: 'none', ...overrides})

describe('run --history --discover-shared-orgs', () => {
  it('keys the history by every organization the export covered, so a run for fewer of them is refused', async () => {
    const [, ...shared] = sim.datasetOrgIds
    expect(shared.length).toBeGreaterThan(0)
    await run('discovered', {discoverSharedOrgs: true})
    const manifest = JSON.parse(await readFile(join(root, 'history', HISTORY_FILE), 'utf8')) as HistoryManifest
    expect(manifest.organizations).toEqual([...sim.datasetOrgIds].sort())
    // The same set given explicitly is the same history.
    await time.sleep(3_600_000)
    await expect(run('explicit', {sharedOrgIds: shared})).resolves.toBeDefined()
    // The primary organization alone would add days without the shared organizations' usage: refused, before any POST.
    const before = posts()
    const error = await run('primary-only', {}).catch((failure: unknown) => failure)
    expect(error).toBeInstanceOf(BadInputError)
    expect((error as BadInputError).code).toBe('E_HISTORY_ORGS')
    expect(posts()).toBe(before)
    // Discovery again (the ids given are a part of the stored set) is accepted.
    await time.sleep(3_600_000)
    await expect(run('rediscovered', {discoverSharedOrgs: true})).resolves.toBeDefined()
  })
})
