/**
 * Issue 10 items 6 and 7: one run per output folder (a lock naming its holder; a stale lock is taken over), and
 * temp files of killed runs are removed under that lock.
 */
import {spawn, spawnSync} from 'node:child_process'
import {existsSync, readFileSync, utimesSync, writeFileSync} from 'node:fs'
import {mkdtemp, readdir, rm} from 'node:fs/promises'
import {hostname, tmpdir} from 'node:os'
import {join} from 'node:path'

import {acquireFolderLock, LOCK_FILE, type LockInfo} from '../../src/core/folder-lock.js'
import {removeStaleTempFiles} from '../../src/core/stale-temp.js'
import {tempPathFor} from '../../src/core/atomic.js'
import {startSimulator, type Simulator} from '../../src/simulator/index.js'
import {BIN, isBuilt, runCli} from '../helpers/cli.js'
import {REPO_ROOT} from '../helpers/repo.js'
import {exportCsv, job} from '../report/fixtures.js'

let out: string
beforeEach(async () => {
  out = await mkdtemp(join(tmpdir(), 'cci-lock-'))
})
afterEach(async () => rm(out, {recursive: true, force: true}))

/** A pid that existed a moment ago and is gone now. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])
  return Number(child.stdout.toString())
}

function writeLock(info: Partial<LockInfo>): string {
  const path = join(out, LOCK_FILE)
  const lock: LockInfo = {pid: process.ppid, hostname: hostname(), command: 'export', startedAt: new Date().toISOString(), nonce: 'theirs', ...info}
  writeFileSync(path, JSON.stringify(lock))
  return path
}

describe('acquireFolderLock', () => {
  it('creates the lock with pid, host, command and start; release removes it', async () => {
    const lock = await acquireFolderLock(out, 'report')
    const info = JSON.parse(readFileSync(join(out, LOCK_FILE), 'utf8'))
    expect(info).toMatchObject({pid: process.pid, hostname: hostname(), command: 'report'})
    expect(Date.parse(info.startedAt)).toBeGreaterThan(Date.now() - 60_000)
    lock.release()
    expect(existsSync(join(out, LOCK_FILE))).toBe(false)
  })

  it('refuses a folder held by a live run, naming the folder and that run', async () => {
    const path = writeLock({})
    await expect(acquireFolderLock(out, 'report')).rejects.toMatchObject({
      code: 'E_OUT_LOCKED',
      exitCode: 2,
      message: expect.stringMatching(new RegExp(`^${out} is in use by another cci-usage run \\(pid ${process.ppid} on ${hostname()}, \`cci-usage export\`, since .*\\): wait for it to finish or use another --out\\. If that run is gone, delete ${path}\\.$`)),
    })
    expect(JSON.parse(readFileSync(path, 'utf8')).nonce).toBe('theirs')
  })

  it('takes over a lock whose process is gone, and says so', async () => {
    const pid = deadPid()
    writeLock({pid})
    const lines: string[] = []
    const lock = await acquireFolderLock(out, 'export', {log: (line) => lines.push(line)})
    expect(lines).toEqual([expect.stringContaining(`pid ${pid} on ${hostname()}, \`cci-usage export\``)])
    expect(lines[0]).toContain('(its process is gone)')
    expect(JSON.parse(readFileSync(join(out, LOCK_FILE), 'utf8')).pid).toBe(process.pid)
    lock.release()
  })

  it('takes over a lock of a pid reused by a newer process', async () => {
    writeLock({pid: process.ppid, startedAt: '2001-01-01T00:00:00.000Z'})
    const lines: string[] = []
    ;(await acquireFolderLock(out, 'export', {log: (line) => lines.push(line)})).release()
    expect(lines[0]).toContain('its pid now belongs to a newer process')
  })

  it('trusts a fresh lock of another host, and takes over one untouched for over 5 minutes', async () => {
    const path = writeLock({hostname: 'elsewhere', pid: 1})
    await expect(acquireFolderLock(out, 'run')).rejects.toMatchObject({code: 'E_OUT_LOCKED'})
    const old = new Date(Date.now() - 6 * 60_000)
    utimesSync(path, old, old)
    ;(await acquireFolderLock(out, 'run')).release()
  })

  it('removes the folder it created when nothing was written into it', async () => {
    const fresh = join(out, 'a', 'b')
    ;(await acquireFolderLock(fresh, 'report')).release()
    expect(existsSync(join(out, 'a'))).toBe(false)
  })
})

describe('removeStaleTempFiles', () => {
  it('removes temp files of gone processes and of this pid, keeps those of live ones', async () => {
    const target = join(out, 'usage.csv')
    const mine = tempPathFor(target)
    const dead = mine.replace(`.${process.pid}.`, `.${deadPid()}.`)
    const live = mine.replace(`.${process.pid}.`, `.${process.ppid}.`)
    const partial = join(out, 'job-1.csv.gz.partial')
    const plainPartial = join(out, 'job-1.csv.partial')
    for (const path of [mine, dead, live, partial, plainPartial, join(out, 'keep.tmp'), join(out, 'job-2.csv')]) writeFileSync(path, 'x')
    const removed = await removeStaleTempFiles([out, join(out, 'missing')])
    expect(removed.sort()).toEqual([dead, mine, partial, plainPartial].sort())
    expect((await readdir(out)).sort()).toEqual([live.slice(out.length + 1), 'keep.tmp', 'job-2.csv'].sort())
  })
})

const built = isBuilt('export')
const cli = built ? it : it.skip
if (!built) console.log('Skipping lock CLI tests: dist/ is not built.')

describe('two real runs on the same folder', () => {
  let sim: Simulator
  afterEach(async () => sim?.close())

  cli('the second exits 2 naming the folder and the first; the first is not harmed and releases the lock on SIGTERM', async () => {
    // Jobs stay `processing` for a few polls (6 s apart): the first export holds the folder meanwhile.
    sim = await startSimulator({pendingPolls: 2})
    const env = {CIRCLECI_API_TOKEN: sim.token}
    const args = ['export', '--host', sim.apiUrl, '--org-id', sim.datasetOrgIds[0], '--days', '3', '--out', out]
    const first = spawn(process.execPath, [BIN, ...args], {cwd: REPO_ROOT, env: {PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...env}})
    let firstErr = ''
    first.stderr.on('data', (chunk) => (firstErr += chunk))
    const firstExit = new Promise<number | null>((resolve) => first.on('close', (code) => resolve(code)))
    const lockPath = join(out, LOCK_FILE)
    for (let i = 0; i < 200 && !firstErr.includes('created export job'); i++) await new Promise((resolve) => setTimeout(resolve, 50))
    expect(existsSync(lockPath)).toBe(true)

    const second = await runCli(args, env)
    expect(second.code).toBe(2)
    expect(second.stdout).toBe('')
    expect(second.stderr).toMatch(new RegExp(`^Error: ${out} is in use by another cci-usage run \\(pid ${first.pid} on ${hostname()}, \`cci-usage export\`, since \\S+\\): wait for it to finish or use another --out\\. If that run is gone, delete ${lockPath}\\.\\n$`))
    // The refused run touched nothing: the first run's manifest and job are as they were.
    expect(JSON.parse(readFileSync(join(out, 'export-manifest.json'), 'utf8')).status).toBe('running')
    expect(sim.jobs()).toHaveLength(1)

    first.kill('SIGTERM')
    expect(await firstExit).toBe(143)
    expect(existsSync(lockPath)).toBe(false)

    // The folder is free again: the same command resumes the first run's job and finishes.
    const third = await runCli(args, env)
    expect(third.code).toBe(0)
    expect(third.stderr).toContain('reusing job')
    expect(sim.jobs()).toHaveLength(1)
    expect(existsSync(lockPath)).toBe(false)
  })

  cli('a run takes over the lock of a killed run and removes its temp files', async () => {
    writeFileSync(join(out, 'usage.csv'), exportCsv([job({TOTAL_CREDITS: 3})]))
    const pid = deadPid()
    writeLock({pid, command: 'run'})
    const leftover = join(out, `.usage.csv.${pid}.0123abcd.tmp`)
    writeFileSync(leftover, 'half a merge')
    const {code, stderr} = await runCli(['report', '--out', out])
    expect(code).toBe(0)
    expect(stderr).toContain(`Taking over the lock on ${out}: pid ${pid} on ${hostname()}, \`cci-usage run\``)
    expect(stderr).toContain(`Removed ${leftover}, left behind by an interrupted run.`)
    expect(existsSync(leftover)).toBe(false)
    expect(existsSync(join(out, LOCK_FILE))).toBe(false)
  })
})
