/** `run --history` in-process against a test's own simulator and fake clock, as the weekly schedule runs it. */
import {join} from 'node:path'

import {runWeekly, type WeeklyOptions} from '../../src/pipeline/weekly.js'
import type {Simulator} from '../../src/simulator/index.js'
import type {fakeTime} from '../export/helpers.js'

const DAY = 86_400_000

export interface WeeklyHarness {
  sim: Simulator
  time: ReturnType<typeof fakeTime>
  /** Output folders are made inside it, and the history is `<root>/history` unless `overrides` say otherwise. */
  root: string
}

/**
 * The report of the 7 whole days before the clock's day, compared with the week before, with a 2-week history of
 * the simulator's first organization; `overrides` replace any option.
 */
export function runWeekBefore({sim, time, root}: WeeklyHarness, name: string, overrides: Partial<WeeklyOptions> = {}) {
  const today = Math.floor(time.clock().getTime() / DAY) * DAY
  return runWeekly(
    {
      api: {host: sim.apiUrl, token: sim.token, orgId: sim.datasetOrgIds[0]},
      sharedOrgIds: [],
      range: {start: new Date(today - 7 * DAY), end: new Date(today)},
      outDir: join(root, name),
      timeoutMs: 3_600_000,
      compare: 'previous',
      report: {top: 10, creditPrice: null, groupBy: []},
      notify: null,
      history: {dir: join(root, 'history'), trendWeeks: 2, budgets: null},
      ...overrides,
    },
    {clock: time.clock, sleep: time.sleep, log: () => undefined, warn: () => undefined},
  )
}
