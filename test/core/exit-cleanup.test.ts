/**
 * An interrupted run (Ctrl-C, a cancelled CI job, a closed terminal) leaves nothing of its own behind: DuckDB's
 * work database in the temp folder and the output folder's lock go, and the exit status names the signal.
 * Node runs no `finally` on a signal, so each case is a child process stopped while it holds them.
 */
import {existsSync, mkdtempSync} from 'node:fs'
import {readdir, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {LOCK_FILE} from '../../src/core/folder-lock.js'
import {distBuilt, distModule, moduleChild} from '../helpers/module-child.js'

const built = distBuilt('core/exit-cleanup.js', 'exit cleanup tests')
const withDist = built ? it : it.skip
const eachWithDist = built ? it.each : it.skip.each

let temp: string
let out: string
beforeEach(() => {
  temp = mkdtempSync(join(tmpdir(), 'cci-exit-temp-'))
  out = join(temp, 'out')
})
afterEach(async () => rm(temp, {recursive: true, force: true}))

/**
 * A child that opens the report's engine (writing a table into its work database) and takes the lock on `out`,
 * prints the work folder, then either waits to be signalled or ends as `end` says.
 */
function holdingChild(end: 'wait' | 'exit 3' | 'return') {
  const script = `
    import {openEngine} from ${distModule('analysis/engine.js')}
    import {acquireFolderLock} from ${distModule('core/folder-lock.js')}
    const lock = await acquireFolderLock(${JSON.stringify(out)}, 'report')
    const engine = await openEngine()
    // As the report does (report-rows.ts): its rows go to a database file in the work folder.
    await engine.connection.run(\`ATTACH '\${engine.workDir}/work.duckdb' AS work\`)
    await engine.connection.run('CREATE TABLE work.t AS SELECT range AS i FROM range(100000)')
    process.stdout.write(engine.workDir + '\\n')
    ${end === 'wait' ? 'setInterval(() => undefined, 1000)' : end === 'exit 3' ? 'process.exit(3)' : ''}
  `
  const {proc: child, exited, ready: workDir} = moduleChild(script, {TMPDIR: temp})
  return {child, exited, workDir}
}

describe('a run stopped by a signal', () => {
  eachWithDist([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('%s: the work database and the lock are removed, exit %i', async (signal, status) => {
    const {child, exited, workDir} = holdingChild('wait')
    const dir = await workDir
    expect(dir.startsWith(join(temp, 'cci-usage-duckdb-'))).toBe(true)
    expect(existsSync(join(dir, 'work.duckdb'))).toBe(true)
    expect(existsSync(join(out, LOCK_FILE))).toBe(true)

    child.kill(signal)
    expect(await exited).toEqual({code: status, signal: null})
    expect(existsSync(dir)).toBe(false)
    expect(existsSync(join(out, LOCK_FILE))).toBe(false)
    // The output folder went too: the lock made it, and the run wrote nothing there.
    expect(await readdir(temp)).toEqual([])
  })
})

describe('a run that ends without closing', () => {
  withDist('process.exit: the work database and the lock are removed, the status is kept', async () => {
    const {exited, workDir} = holdingChild('exit 3')
    const dir = await workDir
    expect(await exited).toEqual({code: 3, signal: null})
    expect(existsSync(dir)).toBe(false)
    expect(existsSync(join(out, LOCK_FILE))).toBe(false)
  })

  withDist('nothing left to do: the process ends on its own and cleans up on the way out', async () => {
    const {exited, workDir} = holdingChild('return')
    const dir = await workDir
    // The open engine keeps nothing on the event loop, so the process ends once the script has run.
    expect(await exited).toEqual({code: 0, signal: null})
    expect(existsSync(dir)).toBe(false)
  })
})

describe('without anything registered', () => {
  withDist("a signal keeps node's default: the process dies of it", async () => {
    const script = `import ${distModule('core/exit-cleanup.js')}; process.stdout.write('ready\\n'); setInterval(() => undefined, 1000)`
    const {proc: child, exited, ready} = moduleChild(script)
    await ready
    child.kill('SIGTERM')
    expect(await exited).toEqual({code: null, signal: 'SIGTERM'})
  })
})
