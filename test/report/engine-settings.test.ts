/**
 * DuckDB's threads and memory limit: the cores the process may use (a container's CPU quota lowers them), the
 * budget grows with the threads, both overridable by CCI_USAGE_THREADS / CCI_USAGE_MEMORY_LIMIT, a bad value is
 * one line and exit 2, and the engine really runs with what was chosen.
 */
import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {memoryLimitMb, withMemoryLimit, withThreadsForBudget} from '../../src/analysis/engine-budget.js'
import {openEngine} from '../../src/analysis/engine.js'
import {cgroupLimits, cpuQuotaOf, cpusAllowedOf, engineSettings, loadMemoryLimit, memoryLimitOf, systemResources, type SystemResources} from '../../src/analysis/engine-settings.js'
import {BadInputError} from '../../src/core/errors.js'
import {stageInputs} from '../../src/load/stage.js'
import {isBuilt, runCli} from '../helpers/cli.js'
import {GOLDEN_EXPORT, haveGoldenExport, REPO_ROOT} from '../helpers/repo.js'

const GB = 1024 ** 3
const laptop: SystemResources = {cpus: 16, cpuQuota: null, memoryBytes: 32 * GB}

describe('engineSettings', () => {
  it('uses every core the process may use, and 100 MB + 25 MB a thread', () => {
    expect(engineSettings({}, laptop)).toMatchObject({threads: 16, memoryLimit: '500MB', threadsFrom: 'os.availableParallelism()'})
    expect(engineSettings({}, {cpus: 2, cpuQuota: null, memoryBytes: 24 * GB})).toMatchObject({threads: 2, memoryLimit: '150MB'})
    expect(engineSettings({}, {cpus: 1, cpuQuota: null, memoryBytes: 4 * GB})).toMatchObject({threads: 1, memoryLimit: '125MB'})
  })

  it("follows a container's CPU quota (CircleCI's 1-vCPU class on a 36-core host gets one thread)", () => {
    expect(engineSettings({}, {cpus: 36, cpuQuota: 1, memoryBytes: 2 * GB})).toMatchObject({threads: 1, threadsFrom: 'cgroup cpu.max', memoryLimit: '125MB'})
    // A fractional quota still gets a whole thread; a quota above the cores changes nothing.
    expect(engineSettings({}, {cpus: 36, cpuQuota: 2.5, memoryBytes: 8 * GB}).threads).toBe(3)
    expect(engineSettings({}, {cpus: 4, cpuQuota: 8, memoryBytes: 8 * GB})).toMatchObject({threads: 4, threadsFrom: 'os.availableParallelism()'})
  })

  it('never gives DuckDB more than a quarter of the memory the process may use', () => {
    expect(engineSettings({}, {cpus: 64, cpuQuota: null, memoryBytes: 1 * GB}).memoryLimit).toBe('256MB')
    expect(engineSettings({}, {cpus: 4, cpuQuota: null, memoryBytes: 128 * 1024 ** 2}).memoryLimit).toBe('64MB')
  })

  it('gives a budget below what the cores want only the threads it holds (36 MB each)', () => {
    // A 2-vCPU container with 256 MB: 64 MB on two threads stopped the report with DuckDB's Out of Memory Error.
    expect(engineSettings({}, {cpus: 2, cpuQuota: null, memoryBytes: 256 * 1024 ** 2})).toMatchObject({
      threads: 1,
      memoryLimit: '64MB',
      threadsFrom: 'os.availableParallelism(), lowered to what 64MB holds at 36 MB a thread',
      memoryLimitFrom: 'a quarter of the 256 MiB this process may use',
    })
    expect(engineSettings({}, {cpus: 4, cpuQuota: null, memoryBytes: 384 * 1024 ** 2})).toMatchObject({threads: 2, memoryLimit: '96MB'})
    expect(engineSettings({CCI_USAGE_MEMORY_LIMIT: '64MB'}, {cpus: 2, cpuQuota: null, memoryBytes: 24 * GB})).toMatchObject({threads: 1, memoryLimit: '64MB'})
    expect(engineSettings({CCI_USAGE_MEMORY_LIMIT: '400MB'}, laptop)).toMatchObject({threads: 11, memoryLimit: '400MB'})
    // What the cores want, or more, keeps every core; so does a thread count the user chose.
    expect(engineSettings({CCI_USAGE_MEMORY_LIMIT: '150MB'}, {cpus: 2, cpuQuota: null, memoryBytes: 24 * GB}).threads).toBe(2)
    expect(engineSettings({}, {cpus: 36, cpuQuota: 2, memoryBytes: 2 * GB})).toMatchObject({threads: 2, memoryLimit: '150MB', memoryLimitFrom: '100 MB + 25 MB a thread'})
    expect(engineSettings({CCI_USAGE_THREADS: '2', CCI_USAGE_MEMORY_LIMIT: '64MB'}, laptop)).toMatchObject({threads: 2, threadsFrom: 'CCI_USAGE_THREADS'})
  })

  it("gives a load's staging a quarter of the memory at most, and CCI_USAGE_MEMORY_LIMIT when set", () => {
    const system = (mib: number): SystemResources => ({cpus: 1, cpuQuota: 1, memoryBytes: mib * 1024 ** 2})
    // A fixed 400 MB was SIGKILLed by the kernel in a 512 MB container.
    expect(loadMemoryLimit(engineSettings({}, system(512)), system(512))).toEqual({memoryLimit: '128MB', from: 'a quarter of the 512 MiB this process may use'})
    expect(loadMemoryLimit(engineSettings({}, system(2048)), system(2048)).memoryLimit).toBe('400MB')
    expect(loadMemoryLimit(engineSettings({}, laptop), laptop).memoryLimit).toBe('400MB')
    expect(loadMemoryLimit(engineSettings({}, system(128)), system(128)).memoryLimit).toBe('64MB')
    expect(loadMemoryLimit(engineSettings({CCI_USAGE_MEMORY_LIMIT: '1GB'}, system(512)), system(512))).toEqual({memoryLimit: '1GB', from: 'CCI_USAGE_MEMORY_LIMIT'})
  })

  it('takes CCI_USAGE_THREADS and CCI_USAGE_MEMORY_LIMIT over the defaults', () => {
    expect(engineSettings({CCI_USAGE_THREADS: '3'}, laptop)).toMatchObject({threads: 3, threadsFrom: 'CCI_USAGE_THREADS', memoryLimit: '175MB'})
    expect(engineSettings({CCI_USAGE_MEMORY_LIMIT: ' 2gb '}, laptop)).toMatchObject({threads: 16, memoryLimit: '2GB', memoryLimitFrom: 'CCI_USAGE_MEMORY_LIMIT'})
    expect(engineSettings({CCI_USAGE_MEMORY_LIMIT: '1.5GiB', CCI_USAGE_THREADS: ''}, laptop)).toMatchObject({threads: 16, memoryLimit: '1.5GIB'})
    expect(engineSettings({CCI_USAGE_MEMORY_LIMIT: '64MB'}, laptop)).toMatchObject({memoryLimit: '64MB'})
    expect(engineSettings({CCI_USAGE_MEMORY_LIMIT: '0.064GB'}, laptop)).toMatchObject({memoryLimit: '0.064GB'})
  })

  it.each([
    [{CCI_USAGE_THREADS: 'two'}, 'E_BAD_THREADS', 'CCI_USAGE_THREADS=two is not a whole number'],
    [{CCI_USAGE_THREADS: '0'}, 'E_BAD_THREADS', 'CCI_USAGE_THREADS=0'],
    [{CCI_USAGE_THREADS: '1.5'}, 'E_BAD_THREADS', 'unset it to use the 16 core(s)'],
    [{CCI_USAGE_MEMORY_LIMIT: '512'}, 'E_BAD_MEMORY_LIMIT', 'CCI_USAGE_MEMORY_LIMIT=512 is not a size'],
    [{CCI_USAGE_MEMORY_LIMIT: '-1GB'}, 'E_BAD_MEMORY_LIMIT', 'e.g. CCI_USAGE_MEMORY_LIMIT=512MB'],
    [{CCI_USAGE_MEMORY_LIMIT: '0MB'}, 'E_BAD_MEMORY_LIMIT', 'the default (500 MB here)'],
    // Before: taken, then DuckDB's Out of Memory Error blamed on the input file, or exit 1 (16MB).
    [{CCI_USAGE_MEMORY_LIMIT: '1KB'}, 'E_BAD_MEMORY_LIMIT', 'CCI_USAGE_MEMORY_LIMIT=1KB is below 64MB, too little for DuckDB to read an export'],
    [{CCI_USAGE_MEMORY_LIMIT: '16MB'}, 'E_BAD_MEMORY_LIMIT', 'give e.g. CCI_USAGE_MEMORY_LIMIT=512MB or 2GB'],
    [{CCI_USAGE_MEMORY_LIMIT: '60MiB'}, 'E_BAD_MEMORY_LIMIT', 'is below 64MB'],
  ])('refuses %j with a message saying what to give', (env, code, text) => {
    let error: unknown
    try {
      engineSettings(env, laptop)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(BadInputError)
    expect(error).toMatchObject({code, exitCode: 2})
    expect((error as Error).message).toContain(text)
  })
})

describe('cgroup limits', () => {
  it('reads cgroup v2 and v1 CPU quotas, unlimited as null', () => {
    expect(cpuQuotaOf('max 100000\n', null, null)).toBeNull()
    expect(cpuQuotaOf('200000 100000\n', null, null)).toBe(2)
    expect(cpuQuotaOf(null, '-1\n', '100000\n')).toBeNull()
    expect(cpuQuotaOf(null, '50000\n', '100000\n')).toBe(0.5)
    expect(cpuQuotaOf(null, null, null)).toBeNull()
  })

  it('reads cgroup v2 and v1 memory limits, unlimited as null', () => {
    expect(memoryLimitOf('max\n', null)).toBeNull()
    expect(memoryLimitOf('2147483648\n', null)).toBe(2 * GB)
    expect(memoryLimitOf(null, '9223372036854771712\n')).toBeNull()
    expect(memoryLimitOf(null, '1073741824\n')).toBe(GB)
  })

  // A fake /sys/fs/cgroup: file path -> content, null for a file that does not exist.
  const files = (entries: Record<string, string>) => (path: string) => entries[path] ?? null

  it('takes the tightest limit of the process\'s own cgroup and its parents (a systemd unit, a runner slice)', () => {
    // cgroup v1, as on this build machine: a 300 MB limit on the process's own memory cgroup, unlimited at the root.
    const v1 = '4:memory:/ci/job-7\n2:cpu,cpuacct:/ci/job-7\n0::/\n'
    const v1Files = files({
      '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712\n',
      '/sys/fs/cgroup/memory/ci/memory.limit_in_bytes': '9223372036854771712\n',
      '/sys/fs/cgroup/memory/ci/job-7/memory.limit_in_bytes': '314572800\n',
      '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1\n',
      '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n',
      '/sys/fs/cgroup/cpu/ci/job-7/cpu.cfs_quota_us': '100000\n',
      '/sys/fs/cgroup/cpu/ci/job-7/cpu.cfs_period_us': '100000\n',
    })
    expect(cgroupLimits(v1, v1Files)).toEqual({cpuQuota: 1, cpuQuotaFrom: 'cgroup cpu.cfs_quota_us', memoryLimit: 314572800})
    // cgroup v2: the parent slice holds 1 GiB and 1.5 cores, the unit itself 2 GiB and no CPU limit.
    const v2Files = files({
      '/sys/fs/cgroup/system.slice/cpu.max': '150000 100000\n',
      '/sys/fs/cgroup/system.slice/memory.max': '1073741824\n',
      '/sys/fs/cgroup/system.slice/report.service/cpu.max': 'max 100000\n',
      '/sys/fs/cgroup/system.slice/report.service/memory.max': '2147483648\n',
    })
    expect(cgroupLimits('0::/system.slice/report.service\n', v2Files)).toEqual({cpuQuota: 1.5, cpuQuotaFrom: 'cgroup cpu.max', memoryLimit: GB})
    const settings = engineSettings({}, {cpus: 2, ...cgroupLimits(v1, v1Files), memoryBytes: cgroupLimits(v1, v1Files).memoryLimit!})
    expect(settings).toMatchObject({threads: 1, threadsFrom: 'cgroup cpu.cfs_quota_us', memoryLimit: '75MB'})
  })

  it('reads a container\'s own limits at the root when its cgroup path is not mounted inside it', () => {
    // Docker without a cgroup namespace: /proc/self/cgroup names the host's path, the container sees its own root.
    const container = files({'/sys/fs/cgroup/memory.max': '536870912\n', '/sys/fs/cgroup/cpu.max': '100000 100000\n'})
    expect(cgroupLimits('0::/docker/0123abcd\n', container)).toEqual({cpuQuota: 1, cpuQuotaFrom: 'cgroup cpu.max', memoryLimit: 512 * 1024 ** 2})
    expect(cgroupLimits(null, files({}))).toEqual({cpuQuota: null, cpuQuotaFrom: 'cgroup cpu.max', memoryLimit: null})
  })

  it('counts the CPUs of the affinity list in /proc/self/status', () => {
    expect(cpusAllowedOf('Name:\tnode\nCpus_allowed:\tff\nCpus_allowed_list:\t0-7\n')).toBe(8)
    expect(cpusAllowedOf('Cpus_allowed_list:\t0,2-3,8-11\n')).toBe(7)
    expect(cpusAllowedOf('Cpus_allowed_list:\t0\n')).toBe(1)
    expect(cpusAllowedOf('Name:\tnode\n')).toBeNull()
    expect(cpusAllowedOf('Cpus_allowed_list:\t3-1\n')).toBeNull()
    expect(cpusAllowedOf(null)).toBeNull()
  })

  // Node 22.12 and later (libuv 1.49.1+) lower os.availableParallelism() to a cgroup quota themselves, rounded down:
  // 1 on a 36-core host under cpu.max 1.5, where node 20 says 36. The threads must not depend on the node version.
  it('gets the same threads under a 1.5-core quota whether os.availableParallelism() applied the quota or not', () => {
    const host = files({
      '/proc/self/cgroup': '0::/\n',
      '/proc/self/status': 'Name:\tnode\nCpus_allowed_list:\t0-35\n',
      '/sys/fs/cgroup/cpu.max': '150000 100000\n',
      '/sys/fs/cgroup/memory.max': '4294967296\n',
    })
    const node20 = systemResources(host, () => 36, () => 64 * GB)
    const node24 = systemResources(host, () => 1, () => 64 * GB)
    expect(node24).toEqual(node20)
    for (const system of [node20, node24]) {
      expect(engineSettings({}, system)).toMatchObject({threads: 2, threadsFrom: 'cgroup cpu.max', memoryLimit: '150MB'})
    }
    // Without /proc (another OS), os.availableParallelism() it is.
    expect(systemResources(files({}), () => 6, () => 16 * GB)).toMatchObject({cpus: 6, cpusFrom: 'os.availableParallelism()', cpuQuota: null})
  })
})

describe('the engine', () => {
  it('runs DuckDB with the threads and memory limit chosen', async () => {
    const temp = await mkdtemp(join(tmpdir(), 'cci-usage-settings-'))
    const engine = await openEngine({tempDir: temp, settings: engineSettings({CCI_USAGE_THREADS: '1', CCI_USAGE_MEMORY_LIMIT: '96MB'}, laptop)})
    try {
      const row = (await engine.connection.runAndReadAll("SELECT current_setting('threads') AS threads, current_setting('memory_limit') AS memory")).getRowObjectsJS()[0]
      expect(Number(row.threads)).toBe(1)
      // DuckDB shows the limit in its own units (96 MB = 91.5 MiB).
      expect(String(row.memory)).toBe('91.5 MiB')
    } finally {
      await engine.close()
      await rm(temp, {recursive: true, force: true})
    }
  })

  it('reads DuckDB\'s memory_limit as it shows it', () => {
    expect(memoryLimitMb('143.0 MiB')).toBe(143)
    expect(memoryLimitMb('1.5 GiB')).toBe(1536)
    expect(memoryLimitMb('512.0 KiB')).toBe(0.5)
    expect(memoryLimitMb('unlimited')).toBeNull()
  })

  it('runs a statement on as many threads as the budget holds (the rollup), then restores them', async () => {
    const temp = await mkdtemp(join(tmpdir(), 'cci-usage-settings-'))
    const engine = await openEngine({tempDir: temp, settings: engineSettings({CCI_USAGE_THREADS: '4', CCI_USAGE_MEMORY_LIMIT: '300MB'}, laptop)})
    const threads = async () => Number((await engine.connection.runAndReadAll("SELECT current_setting('threads') AS t")).getRowObjectsJS()[0].t)
    try {
      // 300 MB (286 MiB) holds two threads at 125 MiB each.
      expect(await withThreadsForBudget(engine.connection, 125, threads)).toBe(2)
      expect(await withThreadsForBudget(engine.connection, 500, threads)).toBe(1)
      expect(await withThreadsForBudget(engine.connection, 50, threads)).toBe(4)
      await expect(withThreadsForBudget(engine.connection, 125, () => engine.connection.run('SELECT error(\'boom\')'))).rejects.toThrow('boom')
      expect(await threads()).toBe(4)
    } finally {
      await engine.close()
      await rm(temp, {recursive: true, force: true})
    }
  })

  it('cuts the memory budget for a statement (the percentile passes) and restores exactly what it was opened with', async () => {
    const temp = await mkdtemp(join(tmpdir(), 'cci-usage-settings-'))
    const engine = await openEngine({tempDir: temp, settings: engineSettings({CCI_USAGE_THREADS: '2', CCI_USAGE_MEMORY_LIMIT: '150MB'}, laptop)})
    const limit = async () => String((await engine.connection.runAndReadAll("SELECT current_setting('memory_limit') AS m")).getRowObjectsJS()[0].m)
    try {
      expect(await limit()).toBe('143.0 MiB')
      expect(await withMemoryLimit(engine.connection, 32, limit)).toBe('64.0 MiB')
      expect(await limit()).toBe('143.0 MiB')
      // Never raised: 100 MiB a thread is more than the budget.
      expect(await withMemoryLimit(engine.connection, 100, limit)).toBe('143.0 MiB')
      await expect(withMemoryLimit(engine.connection, 32, () => engine.connection.run("SELECT error('boom')"))).rejects.toThrow('boom')
      expect(await limit()).toBe('143.0 MiB')
    } finally {
      await engine.close()
      await rm(temp, {recursive: true, force: true})
    }
  })

  const built = isBuilt('report') ? it : it.skip
  built('stops a report on a bad CCI_USAGE_THREADS with one line and exit 2, and leaves no temp folder', async () => {
    const temp = await mkdtemp(join(tmpdir(), 'cci-usage-settings-'))
    const input = join(temp, 'usage.csv')
    await writeFile(input, 'PROJECT_NAME,TOTAL_CREDITS\napi,1.5\n')
    const result = await runCli(['report', '--input', input, '--out', join(temp, 'out')], {CCI_USAGE_THREADS: 'all', TMPDIR: temp})
    expect(result.code).toBe(2)
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringContaining('CCI_USAGE_THREADS=all is not a whole number of threads')])
    const {readdir} = await import('node:fs/promises')
    expect((await readdir(temp)).filter((name) => name.startsWith('cci-usage-duckdb-'))).toEqual([])
    await rm(temp, {recursive: true, force: true})
  })

  const builtRun = isBuilt('run') ? it : it.skip
  builtRun.each([
    ['CCI_USAGE_MEMORY_LIMIT', '512M', 'CCI_USAGE_MEMORY_LIMIT=512M is not a size'],
    ['CCI_USAGE_THREADS', 'all', 'CCI_USAGE_THREADS=all is not a whole number of threads'],
    ['CCI_USAGE_ROWS_PER_PASS', '0', 'CCI_USAGE_ROWS_PER_PASS=0 is not a whole number of rows'],
  ])('stops run on a bad %s before it exports anything', async (variable, value, message) => {
    const temp = await mkdtemp(join(tmpdir(), 'cci-usage-settings-'))
    const out = join(temp, 'out')
    const result = await runCli(['run', '--demo', '--out', out], {[variable]: value, TMPDIR: temp})
    expect(result.code).toBe(2)
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringContaining(message)])
    // Before, the whole export (the demo's 79-day history backfill: 3 export jobs) ran first, then the report failed.
    expect(existsSync(join(out, 'usage.csv'))).toBe(false)
    expect(existsSync(join(out, 'export-manifest.json'))).toBe(false)
    await rm(temp, {recursive: true, force: true})
  }, 60_000)

  built('says DuckDB ran out of its budget, with the settings that fix it, not that the input is unreadable', async () => {
    const temp = await mkdtemp(join(tmpdir(), 'cci-usage-settings-'))
    const input = join(temp, 'usage.csv')
    await new Promise<void>((resolve, reject) => {
      const generator = spawn(process.execPath, [join(REPO_ROOT, 'bench/generate.js'), '--mb', '40', '--out', input], {stdio: 'ignore'})
      generator.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`generate exited ${code}`))))
    })
    // Eight threads reading a 40 MB export need about 240 MB (~30 MiB each): 64 MB stopped 8 runs of 8 (two
    // threads stopped only some, as the threads' blocks then peak together or not).
    const result = await runCli(['report', '--input', input, '--out', join(temp, 'out')], {CCI_USAGE_THREADS: '8', CCI_USAGE_MEMORY_LIMIT: '64MB', TMPDIR: temp})
    expect(result.code).toBe(2)
    const lines = result.stderr.trim().split('\n')
    expect(lines).toEqual([expect.stringMatching(/^Error: DuckDB ran out of its memory budget \(.*MiB used\)\): raise CCI_USAGE_MEMORY_LIMIT .* or set CCI_USAGE_THREADS=1/)])
    expect(result.stderr).not.toContain('cannot be read as a usage export')
    expect(existsSync(join(temp, 'out'))).toBe(false)
    await rm(temp, {recursive: true, force: true})
  }, 60_000)

  built('gives the same figures with one thread and a small budget as with the defaults', async () => {
    const temp = await mkdtemp(join(tmpdir(), 'cci-usage-settings-'))
    const input = join(temp, 'usage.csv')
    const rows = Array.from({length: 3000}, (_, index) => `p${index % 17},${(index % 7) + 0.125}`)
    await writeFile(input, `PROJECT_NAME,TOTAL_CREDITS\n${rows.join('\n')}\n`)
    const one = await runCli(['report', '--input', input, '--out', join(temp, 'one'), '--format', 'json'], {CCI_USAGE_THREADS: '1', CCI_USAGE_MEMORY_LIMIT: '64MB'})
    const defaults = await runCli(['report', '--input', input, '--out', join(temp, 'defaults'), '--format', 'json'])
    expect(one.code).toBe(0)
    expect(defaults.code).toBe(0)
    const figures = (stdout: string) => {
      const summary = JSON.parse(stdout)
      return {totals: summary.totals, projects: summary.breakdowns.project}
    }
    expect(figures(one.stdout)).toEqual(figures(defaults.stdout))
    expect(figures(one.stdout).totals.credits.total).toBe(rows.reduce((sum, row) => sum + Number(row.split(',')[1]) * 1000, 0) / 1000)
    await rm(temp, {recursive: true, force: true})
  })
})

describe("a load's staging", () => {
  const golden = haveGoldenExport("the load staging's budget") ? it : it.skip
  golden('runs on CCI_USAGE_MEMORY_LIMIT when it is set, not on a fixed 400 MB', async () => {
    const temp = await mkdtemp(join(tmpdir(), 'cci-usage-settings-'))
    const saved = process.env.CCI_USAGE_MEMORY_LIMIT
    process.env.CCI_USAGE_MEMORY_LIMIT = '128MB'
    try {
      const staged = await stageInputs({inputs: [GOLDEN_EXPORT], dir: join(temp, 'stage')})
      try {
        const row = (await staged.connection.runAndReadAll("SELECT current_setting('memory_limit') AS memory")).getRowObjectsJS()[0]
        // 128 MB = 122.0 MiB; before, 400 MB (381.4 MiB) whatever the budget.
        expect(String(row.memory)).toBe('122.0 MiB')
        expect(staged.stagedRows).toBe(1260)
      } finally {
        await staged.close()
      }
    } finally {
      if (saved === undefined) delete process.env.CCI_USAGE_MEMORY_LIMIT
      else process.env.CCI_USAGE_MEMORY_LIMIT = saved
      await rm(temp, {recursive: true, force: true})
    }
  })
})
