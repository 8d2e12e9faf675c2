/**
 * Once a lake load has swapped every month in, nothing it leaves may read as a load killed during its swap: the
 * next load puts such a load's months back (lake.ts clearLeftovers), and doing that to a finished load would
 * discard the months it added and put back the files it replaced.
 */
import {existsSync, mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'

import {loadExport} from '../../src/load/index.js'
import {haveGoldenExport} from '../helpers/repo.js'
import {daysBetween, goldenLines, writeCsv} from './fixtures.js'

const maybe = haveGoldenExport('the published-load test') ? it : it.skip

let temp: string
beforeEach(() => {
  temp = mkdtempSync(join(tmpdir(), 'cci-lake-published-'))
})
afterEach(() => rmSync(temp, {recursive: true, force: true}))

describe('a lake load that has published its months', () => {
  // Before: the swap plan stayed until the work folder was removed, in whatever order rm took its entries; a
  // cleanup killed after the marker went but before the plan did left a folder the next load "put back",
  // discarding the month this load had added (checked: the lake then held only the next load's days).
  maybe('keeps no swap plan once it reports its months written, so a cleanup killed at any point cannot roll it back', async () => {
    const dir = join(temp, 'lake')
    const input = writeCsv(join(temp, 'two-days.csv'), daysBetween(goldenLines(), '2024-11-12', '2024-11-13'))
    const plansWhenWritten: string[][] = []
    const log = (line: string) => {
      if (!line.startsWith('Wrote ')) return
      const work = readdirSync(dirname(dir)).filter((name) => name.startsWith('.lake.cci-usage-'))
      expect(work).toHaveLength(1)
      plansWhenWritten.push(readdirSync(join(dirname(dir), work[0])).filter((name) => name.startsWith('swap-plan')))
    }
    const result = await loadExport({kind: 'parquet', dir, display: dir}, {inputs: [input]}, {log, warn: () => undefined})
    expect(result.months).toEqual(['2024-11'])
    expect(plansWhenWritten).toEqual([[]])
    expect(existsSync(join(dir, 'month=2024-11'))).toBe(true)
  }, 60_000)
})
