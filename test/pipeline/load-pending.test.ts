/**
 * `run --history --load-to`: the first run exports the weeks the history lacks (a 12-week backfill) and updates
 * the history before it loads. When that load does not happen (the run is killed after the report, or the
 * database is down), the next run exports only the days the history still lacks, so the backfill's rows never
 * reached the warehouse: the next run must load them too.
 */
import {existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {runCli} from '../helpers/cli.js'
import {REPO_ROOT} from '../helpers/repo.js'
import {lakeContent, lakeTotals} from '../load/lake-read.js'

const built = existsSync(join(REPO_ROOT, 'dist/commands/run.js'))
const withDist = built ? it : it.skip
if (!built) console.log('Skipping the pending-load test: dist/ is not built.')

let temp: string
beforeEach(() => {
  temp = mkdtempSync(join(tmpdir(), 'cci-load-pending-'))
})
afterEach(() => rmSync(temp, {recursive: true, force: true}))

const run = (name: string, lake: string) => runCli(['run', '--demo', '--notify', 'never', '--out', join(temp, name), '--load-to', `parquet:${lake}`], {TMPDIR: temp})

describe('a run whose load did not happen', () => {
  withDist("the next run loads the days the first run exported, not only its own: the warehouse ends as an uninterrupted run's", async () => {
    const reference = join(temp, 'reference-lake')
    expect((await run('reference', reference)).code).toBe(0)

    // The load of the first run fails after its report and history update (a file where the lake should be).
    const blocked = join(temp, 'blocked')
    writeFileSync(blocked, 'not a folder')
    const failed = await run('out', join(blocked, 'lake'))
    expect(failed.code).toBe(2)
    expect(existsSync(join(temp, 'out', 'history', 'history.json'))).toBe(true)

    const lake = join(temp, 'lake')
    mkdirSync(lake)
    const rerun = await run('out', lake)
    expect(rerun.stderr).not.toMatch(/^Error/m)
    expect(rerun.code).toBe(0)
    expect(await lakeTotals(lake)).toEqual(await lakeTotals(reference))
    expect(await lakeContent(lake)).toBe(await lakeContent(reference))

    // Loaded: a third run loads only its own export again, and the warehouse stays the same.
    expect((await run('out', lake)).code).toBe(0)
    expect(await lakeContent(lake)).toBe(await lakeContent(reference))
  }, 120_000)
})
