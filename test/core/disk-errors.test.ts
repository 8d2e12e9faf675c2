/**
 * Issue 10 items 4 and 5 on real file systems: a full disk (a small tmpfs), a read-only folder (a tmpfs
 * remounted read-only) and a folder the user cannot write (the CLI run as `nobody` through setpriv). Each stop
 * is exit 2 with the path, the reason and what to do, never E_UNEXPECTED; the export manifest does not stay
 * `running`; a report that cannot be written leaves the previous report as it was.
 *
 * Mounting needs root (CI runs as root); without it these tests are skipped with a note. The unit tests at the
 * end need nothing.
 */
import {spawn, spawnSync} from 'node:child_process'
import {chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statfsSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {Errors} from '@oclif/core'

import {describeError} from '../../src/core/base-command.js'
import {FileSystemError} from '../../src/core/errors.js'
import {fileSystemError, makeFolders} from '../../src/core/fs-errors.js'
import {createAtomicWriteStream, writeFileAtomic} from '../../src/core/atomic.js'
import {BIN, isBuilt, runCli, type CliResult} from '../helpers/cli.js'
import {REPO_ROOT} from '../helpers/repo.js'
import {exportCsv, job, type Row} from '../report/fixtures.js'

function tryMount(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root'
  const probe = join(tmpdir(), `cci-mount-probe-${process.pid}`)
  mkdirSync(probe, {recursive: true})
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe])
  if (mounted.status !== 0) return `mount failed (${mounted.stderr.toString().trim()})`
  spawnSync('umount', [probe])
  spawnSync('rmdir', [probe])
  return undefined
}

const built = isBuilt('report')
const noMount = built ? tryMount() : 'dist/ is not built'
if (noMount) console.log(`Skipping full-disk and read-only folder tests: ${noMount} (CI runs them as root).`)
const rooted = noMount ? it.skip : it

let base: string
const mounts: string[] = []
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'cci-disk-'))
  chmodSync(base, 0o755)
})
afterEach(async () => {
  for (const mount of mounts.splice(0).reverse()) spawnSync('umount', ['-l', mount])
  await rm(base, {recursive: true, force: true})
})

function mountTmpfs(name: string, bytes: number): string {
  const dir = join(base, name)
  mkdirSync(dir, {recursive: true})
  const size = Math.ceil(bytes / 4096) * 4096
  const result = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir])
  if (result.status !== 0) throw new Error(`mount: ${result.stderr}`)
  mounts.push(dir)
  return dir
}

function remountReadOnly(dir: string): void {
  const result = spawnSync('mount', ['-o', 'remount,ro', dir])
  if (result.status !== 0) throw new Error(`remount: ${result.stderr}`)
}

/** Fills `dir`'s file system until `leave` bytes are free. */
function fillUntil(dir: string, leave: number): void {
  const {bavail, bsize} = statfsSync(dir)
  const fill = bavail * bsize - leave
  if (fill > 0) writeFileSync(join(dir, 'filler.bin'), Buffer.alloc(fill))
}

function sizeOf(dir: string): number {
  let total = 0
  for (const entry of readdirSync(dir, {withFileTypes: true, recursive: true})) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size
  }
  return total
}

function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {}
  for (const entry of readdirSync(dir, {withFileTypes: true, recursive: true})) {
    if (entry.isFile()) files[join(entry.parentPath, entry.name).slice(dir.length + 1)] = readFileSync(join(entry.parentPath, entry.name)).toString('base64')
  }
  return files
}

function rows(count: number, project: string): Row[] {
  return Array.from({length: count}, (_, i) => job({PROJECT_NAME: `${project}-${i % 40}`, JOB_ID: `${project}-${i}`, TOTAL_CREDITS: (i % 9) + 1}))
}

function expectOneLine(result: CliResult, message: RegExp | string): void {
  expect({code: result.code, stdout: result.stdout}).toEqual({code: 2, stdout: ''})
  const lines = result.stderr.split('\n').filter((line) => line.startsWith('Error:'))
  expect(lines).toHaveLength(1)
  if (typeof message === 'string') expect(lines[0]).toBe(`Error: ${message}`)
  else expect(lines[0]).toMatch(message)
  expect(result.stderr).not.toMatch(/E_UNEXPECTED|unexpected|at .*\.js:\d+/)
}

function manifestOf(out: string): {status: string; failure?: string} {
  return JSON.parse(readFileSync(join(out, 'export-manifest.json'), 'utf8'))
}

function leftovers(dir: string): string[] {
  return readdirSync(dir, {recursive: true}).map(String).filter((name) => /\.tmp$|\.partial$|\.cci-usage\.lock$|\.cci-usage-staging/.test(name))
}

describe('disk full', () => {
  rooted('export: the merge hits a full disk -> exit 2 naming usage.csv, manifest failed, no temp file', async () => {
    // Measure the demo export first: the disk gets room for the gzip parts and their plain CSVs (about
    // usage.csv's size), but only for a third of the usage.csv the merge writes beside them.
    const probe = join(base, 'probe')
    expect((await runCli(['export', '--demo', '--keep-parts', '--out', probe])).code).toBe(0)
    const parts = sizeOf(join(probe, '.parts'))
    const csv = statSync(join(probe, 'usage.csv')).size
    const out = mountTmpfs('full', parts + csv + 64 * 1024 + csv / 3)
    const result = await runCli(['export', '--demo', '--out', out])
    const message = `cannot write ${out}/usage.csv (ENOSPC: no space left on the device): free space on that disk and rerun, or choose another folder with --out.`
    expectOneLine(result, message)
    expect(manifestOf(out)).toMatchObject({status: 'failed', failure: message})
    expect(leftovers(out)).toEqual([])
    // The verified parts stay for the rerun.
    expect(readdirSync(join(out, '.parts')).length).toBeGreaterThan(0)
  })

  rooted('export: a download hits a full disk -> exit 2 naming the part, not a download failure (exit 4)', async () => {
    const out = mountTmpfs('tiny', 16 * 1024)
    const result = await runCli(['export', '--demo', '--out', out])
    expectOneLine(result, new RegExp(`^Error: cannot write ${out}/\\.parts/\\S+\\.csv\\.gz\\.partial \\(ENOSPC: no space left on the device\\): free space on that disk and rerun, or choose another folder with --out\\.$`))
    expect(manifestOf(out).status).toBe('failed')
    expect(leftovers(out)).toEqual([])
  })

  rooted('report: DuckDB\'s temp folder is full -> exit 2 naming it and TMPDIR; the old report stays', async () => {
    const input = join(base, 'usage.csv')
    writeFileSync(input, exportCsv(rows(3000, 'p')))
    const out = join(base, 'out')
    expect((await runCli(['report', '--input', input, '--out', out])).code).toBe(0)
    const before = snapshot(out)
    const temp = mountTmpfs('temp', 64 * 1024)
    const result = await runCli(['report', '--input', input, '--out', out, '--top', '3'], {TMPDIR: temp})
    expectOneLine(
      result,
      new RegExp(`^Error: cannot write ${temp}/cci-usage-duckdb-\\d+-\\w+/\\S+ \\(ENOSPC: no space left on the device\\): free space on that disk and rerun, or point TMPDIR at a folder with room \\(DuckDB keeps its working copy there\\)\\.$`),
    )
    expect(snapshot(out)).toEqual(before)
    expect(readdirSync(temp)).toEqual([])
  })

  rooted('report: the output disk fills while the new set is written -> all old files, no staging, exit 2', async () => {
    const out = mountTmpfs('out', 16 << 20)
    const oldInput = join(base, 'old.csv')
    const newInput = join(base, 'new.csv')
    writeFileSync(oldInput, exportCsv(rows(500, 'old')))
    writeFileSync(newInput, exportCsv(rows(800, 'new')))
    expect((await runCli(['report', '--input', oldInput, '--out', out, '--group-by', 'branch'])).code).toBe(0)
    const report = sizeOf(out)
    fillUntil(out, Math.floor(report / 2))
    const before = snapshot(out)
    const result = await runCli(['report', '--input', newInput, '--out', out])
    expectOneLine(result, new RegExp(`^Error: cannot write ${out}/\\.cci-usage-staging/\\S+ \\(ENOSPC: no space left on the device\\): free space on that disk and rerun, or choose another folder with --out\\.$`))
    expect(snapshot(out)).toEqual(before)
    expect(leftovers(out)).toEqual([])
  })
})

describe('read-only and unwritable folders', () => {
  rooted('a read-only folder: export and report exit 2 with EROFS and leave it as it was', async () => {
    const out = mountTmpfs('ro', 8 << 20)
    const input = join(base, 'usage.csv')
    writeFileSync(input, exportCsv(rows(50, 'p')))
    expect((await runCli(['report', '--input', input, '--out', out])).code).toBe(0)
    const before = snapshot(out)
    remountReadOnly(out)
    const message = `cannot write ${out}/.cci-usage.lock (EROFS: read-only file system): choose a writable folder with --out.`
    expectOneLine(await runCli(['report', '--input', input, '--out', out]), message)
    expectOneLine(await runCli(['export', '--demo', '--out', out]), message)
    expectOneLine(await runCli(['run', '--demo', '--out', out]), message)
    expect(snapshot(out)).toEqual(before)
  })

  rooted('a read-only parent where the --out folder cannot be made: exit 2 naming it', async () => {
    const parent = mountTmpfs('ro-parent', 64 * 1024)
    remountReadOnly(parent)
    const input = join(base, 'usage.csv')
    writeFileSync(input, exportCsv(rows(5, 'p')))
    expectOneLine(
      await runCli(['report', '--input', input, '--out', join(parent, 'report')]),
      `cannot write ${parent}/report (EROFS: read-only file system): choose a writable folder with --out.`,
    )
    expectOneLine(
      await runCli(['export', '--demo', '--out', join(parent, 'a', 'b')]),
      `cannot write ${parent}/a (EROFS: read-only file system): choose a writable folder with --out.`,
    )
  })

  rooted('a folder the user may not write (EACCES, the CLI as nobody): exit 2 naming it', async () => {
    const input = join(base, 'usage.csv')
    writeFileSync(input, exportCsv(rows(5, 'p')))
    chmodSync(input, 0o644)
    const locked = join(base, 'root-only')
    mkdirSync(locked, {mode: 0o755})
    const result = await new Promise<CliResult>((done) => {
      const child = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, 'report', '--input', input, '--out', join(locked, 'report')], {
        cwd: REPO_ROOT,
        env: {PATH: process.env.PATH ?? '', HOME: base, NODE_ENV: 'production'},
      })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (chunk) => (stdout += chunk))
      child.stderr.on('data', (chunk) => (stderr += chunk))
      child.on('close', (code) => done({code, stdout, stderr}))
    })
    expectOneLine(result, `cannot write ${locked}/report (EACCES: permission denied): choose a folder you can write with --out, or fix its permissions.`)
    expect(existsSync(join(locked, 'report'))).toBe(false)
  })
})

describe('a file where the --out folder should be', () => {
  // Needs no root: mkdir -p over a plain file fails with EEXIST, which is the user's to fix, not a bug.
  const cliIt = built ? it : it.skip
  cliIt('export, report and run exit 2 naming the file, and leave it as it was', async () => {
    const input = join(base, 'usage.csv')
    writeFileSync(input, exportCsv(rows(5, 'p')))
    const file = join(base, 'report')
    writeFileSync(file, 'not a folder')
    const message = `cannot write ${file} (ENOTDIR: a file is in the way of a folder): move it out of the way, or choose a writable folder with --out.`
    expectOneLine(await runCli(['report', '--input', input, '--out', file]), message)
    expectOneLine(await runCli(['export', '--demo', '--out', file]), message)
    expectOneLine(await runCli(['run', '--demo', '--out', file]), message)
    expect(readFileSync(file, 'utf8')).toBe('not a folder')
  })
})

describe('an --out folder on a file system that takes no folders (/proc)', () => {
  // Before: Node's recursive mkdir answered ENOENT below /proc, which exists, and retried forever at full CPU.
  const onLinux = existsSync('/proc/self') ? it : it.skip
  onLinux('makeFolders stops at once with the reason', async () => {
    let timer: NodeJS.Timeout | undefined
    const hung = new Promise((resolve) => (timer = setTimeout(() => resolve('still running after 10 s'), 10_000)))
    const outcome = await Promise.race([makeFolders('/proc/cci-usage-test/report').catch((error: unknown) => error), hung])
    clearTimeout(timer)
    expect(outcome).toBeInstanceOf(FileSystemError)
    expect(outcome).toMatchObject({code: 'E_OUT_UNWRITABLE', exitCode: 2, message: 'cannot write /proc/cci-usage-test (ENOENT: that file system takes no new folders): choose a writable folder with --out.'})
  }, 15_000)

  const cliOnLinux = built && existsSync('/proc/self') ? it : it.skip
  cliOnLinux('report exits 2 with one line naming the folder', async () => {
    const input = join(base, 'usage.csv')
    writeFileSync(input, exportCsv(rows(5, 'p')))
    expectOneLine(await runCli(['report', '--input', input, '--out', '/proc/cci-usage-test']), 'cannot write /proc/cci-usage-test (ENOENT: that file system takes no new folders): choose a writable folder with --out.')
  })
})

describe('an --out or --to folder whose path loops or is too long', () => {
  // Before: exit 1, "ELOOP: too many symbolic links encountered, mkdir '...' (unexpected; rerun with --debug and report it)".
  const cliIt = built ? it : it.skip
  cliIt('report, export and load exit 2 naming the path and what to do', async () => {
    const input = join(base, 'usage.csv')
    writeFileSync(input, exportCsv(rows(5, 'p')))
    const loop = join(base, 'loop')
    symlinkSync(loop, loop)
    const message = `cannot write ${loop} (ELOOP: a symbolic link on the path loops): fix or remove the link, or choose another folder with --out.`
    expectOneLine(await runCli(['report', '--input', input, '--out', loop]), message)
    expectOneLine(await runCli(['export', '--demo', '--days', '1', '--out', loop]), message)
    expectOneLine(
      await runCli(['load', '--input', input, '--to', `parquet:${loop}`]),
      `cannot write ${loop} (ELOOP: a symbolic link on the path loops): fix or remove the link, or choose another folder with --to (or --load-to).`,
    )
    const long = join(base, 'x'.repeat(300))
    expectOneLine(await runCli(['report', '--input', input, '--out', long]), `cannot write ${long} (ENAMETOOLONG: the path or a name in it is too long): choose a folder with a shorter path with --out.`)
  })
})

describe('a lake folder bind-mounted onto itself (one file system, two mounts)', () => {
  // The load checks that DIR and its parent are one device (lake.ts), which a bind mount of the same disk passes;
  // rename(2) still refuses to cross the mount. Before: exit 1, "EXDEV: cross-device link not permitted (unexpected ...)".
  rooted('load exits 2 naming the folder and what to do, and leaves the lake as it was', async () => {
    const input = join(base, 'usage.csv')
    writeFileSync(input, exportCsv(rows(5, 'p')))
    const lake = join(base, 'lake')
    mkdirSync(lake)
    const bound = spawnSync('mount', ['--bind', lake, lake])
    if (bound.status !== 0) throw new Error(`mount --bind: ${bound.stderr}`)
    mounts.push(lake)
    const result = await runCli(['load', '--input', input, '--to', `parquet:${lake}`])
    expectOneLine(result, /\(EXDEV: the folder is a mount point, and files prepared beside it cannot be renamed into it\): give a folder inside the mounted one with --to \(or --load-to\)/)
    expect(readdirSync(lake).filter((name) => !name.startsWith('.'))).toEqual([])
    expect(readdirSync(base).filter((name) => name.includes('cci-usage-'))).toEqual([])
  })
})

describe('file-system errors become exit 2 with the path, the reason and what to do', () => {
  const errno = (code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`${code}: boom`), {code, ...extra})

  it('maps errno errors with a path, without one (a stream write), and DuckDB IO errors', () => {
    expect(fileSystemError(errno('ENOSPC', {path: '/x/a.csv', syscall: 'open'}))?.message).toBe(
      'cannot write /x/a.csv (ENOSPC: no space left on the device): free space on that disk and rerun, or choose another folder with --out.',
    )
    expect(fileSystemError(errno('ENOSPC', {syscall: 'write'}), '/x/usage.csv')?.message).toContain('cannot write /x/usage.csv (ENOSPC')
    expect(fileSystemError(errno('EROFS', {syscall: 'write'}))?.message).toBe('a write failed (EROFS: read-only file system): choose a writable folder with --out.')
    const duck = new Error('TransactionContext Error: Failed to commit: Could not write file "/t/cci-usage-duckdb-1/work.duckdb.wal": No space left on device')
    expect(fileSystemError(duck, undefined, {temporary: true})).toMatchObject({
      code: 'E_DISK_FULL',
      exitCode: 2,
      message: 'cannot write /t/cci-usage-duckdb-1/work.duckdb.wal (ENOSPC: no space left on the device): free space on that disk and rerun, or point TMPDIR at a folder with room (DuckDB keeps its working copy there).',
    })
    // From any query: a path in DuckDB's private folder gets the TMPDIR advice.
    expect(fileSystemError(new Error(duck.message))?.message).toContain('point TMPDIR at a folder with room')
    expect(fileSystemError(new Error('Binder Error: column x not found'))).toBeUndefined()
    expect(fileSystemError(errno('ECONNRESET'))).toBeUndefined()
  })

  it('describeError never calls them unexpected', () => {
    for (const error of [errno('ENOSPC', {syscall: 'write'}), errno('EACCES', {path: '/o', syscall: 'mkdir'}), new Error('IO Error: Could not write file "/t/x": Read-only file system')]) {
      expect(describeError(error)).toMatchObject({exitCode: 2})
      expect(describeError(error).code).not.toBe('E_UNEXPECTED')
    }
    expect(describeError(new Errors.CLIError('x')).code).toBe('E_BAD_FLAG')
  })

  it('a write error of an atomic stream (no path of its own) names the target, and leaves no temp file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cci-atomic-'))
    try {
      const target = join(dir, 'usage.csv')
      const stream = await createAtomicWriteStream(target)
      stream.stream.write('half')
      // What fs.write reports on a full disk: a code and a syscall, no path.
      stream.stream.destroy(Object.assign(new Error('ENOSPC: no space left on device, write'), {code: 'ENOSPC', syscall: 'write'}))
      const error = await stream.commit().then(() => undefined, (caught: unknown) => caught)
      expect(error).toBeInstanceOf(FileSystemError)
      expect((error as Error).message).toBe(`cannot write ${target} (ENOSPC: no space left on the device): free space on that disk and rerun, or choose another folder with --out.`)
      await stream.abort()
      expect(readdirSync(dir)).toEqual([])
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })

  rooted('writeFileAtomic on a full disk names the target, not its temp file', async () => {
    const full = mountTmpfs('atomic', 8192)
    fillUntil(full, 0)
    const target = join(full, 'summary.json')
    await expect(writeFileAtomic(target, 'x'.repeat(100_000))).rejects.toThrow(
      new FileSystemError('E_DISK_FULL', `cannot write ${target} (ENOSPC: no space left on the device): free space on that disk and rerun, or choose another folder with --out.`),
    )
    expect(readdirSync(full)).toEqual(['filler.bin'])
  })
})
