/**
 * A lake load stopped by a signal (Ctrl-C, a cancelled CI job) leaves the lake as the next load can take it: its
 * lock file goes with the process, and so does its work folder beside the lake, unless a swap of month folders
 * has begun (then that folder may hold the only copy of a month). Node runs no `finally` on a signal, so each
 * case is a child process stopped while it holds them.
 */
import {existsSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync} from 'node:fs'
import {readdir, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {withLakeWork} from '../../src/load/lake.js'
import {distBuilt, distModule, moduleChild} from '../helpers/module-child.js'
import {lockHeldBy} from './fixtures.js'

const eachWithDist = distBuilt('load/lake.js', 'lake interruption tests') ? it.each : it.skip.each

const LOCK = '.cci-usage-load.lock'

let temp: string
let lake: string
beforeEach(() => {
  temp = mkdtempSync(join(tmpdir(), 'cci-lake-interrupted-'))
  lake = join(temp, 'lake')
})
afterEach(async () => rm(temp, {recursive: true, force: true}))

/** A child inside withLakeWork that prints its work folder (after making retired/ when `swapping`) and waits. */
function loadingChild(swapping: boolean) {
  const script = `
    import {mkdir} from 'node:fs/promises'
    import {join} from 'node:path'
    import {withLakeWork} from ${distModule('load/lake.js')}
    await withLakeWork(${JSON.stringify(lake)}, async (work) => {
      ${swapping ? "await mkdir(join(work, 'retired', 'month=2024-11'), {recursive: true})" : ''}
      process.stdout.write(work + '\\n')
      await new Promise(() => setInterval(() => undefined, 1000))
    }, () => undefined)
  `
  const {proc: child, exited, ready: work} = moduleChild(script)
  return {child, exited, work}
}

describe('a lake load stopped by a signal', () => {
  eachWithDist([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s before any month is swapped: the lock and the work folder go, exit %i', async (signal, status) => {
    const {child, exited, work} = loadingChild(false)
    const folder = await work
    expect(existsSync(join(lake, LOCK))).toBe(true)
    child.kill(signal)
    expect(await exited).toEqual({code: status, signal: null})
    expect(existsSync(join(lake, LOCK))).toBe(false)
    expect(existsSync(folder)).toBe(false)
    expect(await readdir(temp)).toEqual(['lake'])
  })

  eachWithDist([['SIGTERM', 143]] as const)('%s once the swap has begun: the lock goes, the work folder with retired months stays', async (signal, status) => {
    const {child, exited, work} = loadingChild(true)
    const folder = await work
    child.kill(signal)
    expect(await exited).toEqual({code: status, signal: null})
    expect(existsSync(join(lake, LOCK))).toBe(false)
    expect(existsSync(join(folder, 'retired', 'month=2024-11'))).toBe(true)
  })
})

describe('a lake lock left behind', () => {
  it('by a killed load with the pid this process has now (a container: every run is the same pid) is taken over', async () => {
    mkdirSync(lake, {recursive: true})
    writeFileSync(join(lake, LOCK), lockHeldBy(process.pid))
    await expect(withLakeWork(lake, async () => 'loaded', () => undefined)).resolves.toBe('loaded')
    expect(existsSync(join(lake, LOCK))).toBe(false)
  })

  it('written by an earlier version (a pid alone): refused while that pid runs, however old, and taken over once it is gone', async () => {
    mkdirSync(lake, {recursive: true})
    writeFileSync(join(lake, LOCK), String(process.ppid))
    const aMinuteAgo = new Date(Date.now() - 60_000)
    utimesSync(join(lake, LOCK), aMinuteAgo, aMinuteAgo)
    // Read as a half-written lock, it was taken over after 10 s while its load still ran.
    await expect(withLakeWork(lake, async () => 'loaded', () => undefined)).rejects.toMatchObject({code: 'E_TARGET_LOCKED', message: expect.stringContaining(`pid ${process.ppid}`)})
    writeFileSync(join(lake, LOCK), '999999999\n')
    await expect(withLakeWork(lake, async () => 'loaded', () => undefined)).resolves.toBe('loaded')
    expect(existsSync(join(lake, LOCK))).toBe(false)
  })

  it('still empty (another load has just made it and not yet written its pid) is not taken over', async () => {
    mkdirSync(lake, {recursive: true})
    writeFileSync(join(lake, LOCK), '')
    let wrote = false
    // Taken for a dead load's lock, it was removed and both loads wrote the lake at once.
    await expect(withLakeWork(lake, async () => (wrote = true), () => undefined)).rejects.toThrow(/is in use by another cci-usage run/)
    expect(wrote).toBe(false)
    expect(existsSync(join(lake, LOCK))).toBe(true)
  })
})
