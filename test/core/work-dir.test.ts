/**
 * A run killed with SIGKILL (the OOM killer, `docker kill`, a CI timeout) runs no cleanup: its DuckDB work folder
 * stays in the temp folder. The next run that opens an engine removes it, and only the folders of runs on this
 * host that are gone: never a live run's, another host's, or one it cannot judge.
 */
import {spawn, spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync} from 'node:fs'
import {rm} from 'node:fs/promises'
import {hostname, tmpdir} from 'node:os'
import {join} from 'node:path'

import {openEngine} from '../../src/analysis/engine.js'
import {distBuilt, distModule} from '../helpers/module-child.js'

const withDist = distBuilt('analysis/engine.js', 'the SIGKILLed engine test') ? it : it.skip

let temp: string
beforeEach(() => {
  temp = mkdtempSync(join(tmpdir(), 'cci-work-dir-'))
})
afterEach(async () => rm(temp, {recursive: true, force: true}))

/** The pid of a process that has ended. */
function endedPid(): number {
  const result = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {encoding: 'utf8'})
  return Number(result.stdout)
}

function folderOf(pid: number, owner: object | null, suffix = 'AbC123'): string {
  const dir = join(temp, `cci-usage-duckdb-${pid}-${suffix}`)
  mkdirSync(dir)
  writeFileSync(join(dir, 'work.duckdb'), 'x')
  if (owner) writeFileSync(join(dir, 'owner.json'), JSON.stringify(owner))
  return dir
}

async function openAndClose(): Promise<void> {
  const engine = await openEngine({tempDir: temp})
  await engine.close()
}

describe('a temp folder that cannot hold the work folder', () => {
  // Before: "ENOENT: no such file or directory, mkdtemp '...' (unexpected; rerun with --debug and report it)", exit 1.
  it('is a FileSystemError (exit 2) saying to point TMPDIR elsewhere, for a missing folder and for a file', async () => {
    const missing = join(temp, 'no-such-folder')
    await expect(openEngine({tempDir: missing})).rejects.toMatchObject({
      exitCode: 2,
      message: `cannot write ${missing} (ENOENT: the folder does not exist): point TMPDIR at an existing folder.`,
    })
    const file = join(temp, 'a-file')
    writeFileSync(file, 'x')
    await expect(openEngine({tempDir: file})).rejects.toMatchObject({exitCode: 2, message: expect.stringMatching(/^cannot write .*a-file.* \(ENOTDIR: a file is in the way of a folder\): point TMPDIR at a usable folder\.$/)})
  })
})

describe('the work folder of a killed run', () => {
  withDist('SIGKILL leaves it; the next engine opened in that temp folder removes it', async () => {
    const script = `
      import {openEngine} from ${distModule('analysis/engine.js')}
      const engine = await openEngine({tempDir: ${JSON.stringify(temp)}})
      await engine.connection.run(\`ATTACH '\${engine.workDir}/work.duckdb' AS work\`)
      await engine.connection.run('CREATE TABLE work.t AS SELECT range AS i FROM range(100000)')
      process.stdout.write(engine.workDir + '\\n')
      setInterval(() => undefined, 1000)
    `
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {env: {PATH: process.env.PATH ?? ''}})
    const exited = new Promise((done) => child.on('close', (code, signal) => done({code, signal})))
    const workDir = await new Promise<string>((done) => {
      let stdout = ''
      child.stdout.on('data', (chunk) => {
        stdout += chunk
        if (stdout.includes('\n')) done(stdout.trim())
      })
    })
    child.kill('SIGKILL')
    expect(await exited).toEqual({code: null, signal: 'SIGKILL'})
    expect(existsSync(join(workDir, 'work.duckdb'))).toBe(true)

    await openAndClose()
    expect(readdirSync(temp)).toEqual([])
  })

  it('is removed when its pid is gone, or is this process (a container reuses pids) but not one of its folders', async () => {
    const dead = endedPid()
    folderOf(dead, {pid: dead, hostname: hostname(), startedAt: new Date().toISOString()})
    folderOf(process.pid, {pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString()})
    const engine = await openEngine({tempDir: temp})
    // Two engines of one process at once: neither removes the other's folder.
    const second = await openEngine({tempDir: temp})
    expect(readdirSync(temp).sort()).toEqual([engine.workDir, second.workDir].map((dir) => dir.slice(temp.length + 1)).sort())
    await second.close()
    await engine.close()
  })

  it("is kept while its process runs, when it is another host's, or when it names no owner (yet: its owner file is still being written)", async () => {
    const sleeper = spawn('sleep', ['30'])
    try {
      const live = folderOf(sleeper.pid!, {pid: sleeper.pid, hostname: hostname(), startedAt: new Date().toISOString()})
      const dead = endedPid()
      const remote = folderOf(dead, {pid: dead, hostname: `not-${hostname()}`, startedAt: new Date().toISOString()}, 'rEm0te')
      const unowned = folderOf(dead, null, 'n0Ownr')
      // Another run's owner file caught while it is written: empty, or cut short. Reading it stopped this run (exit 1).
      const empty = folderOf(dead, null, 'eMpty1')
      writeFileSync(join(empty, 'owner.json'), '')
      const partial = folderOf(dead, null, 'pArt1a')
      writeFileSync(join(partial, 'owner.json'), `{"pid":${dead},"host`)
      await openAndClose()
      expect(readdirSync(temp).sort()).toEqual([live, remote, unowned, empty, partial].map((dir) => dir.slice(temp.length + 1)).sort())
    } finally {
      sleeper.kill()
    }
  })
})
