/**
 * Issue 15, the export's single pass: parts download (and are scanned) at the same time and still merge in
 * order; an interrupted export resumes without downloading verified parts again; a plain CSV that is missing or
 * damaged is made again from the kept .csv.gz; problems found while downloading surface as the merge's one-line
 * typed errors, in part order.
 */
import {existsSync} from 'node:fs'
import {mkdtemp, readFile, readdir, rm, truncate, writeFile} from 'node:fs/promises'
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'

import {ApiError, CciUsageError} from '../../src/core/errors.js'
import {forgetSecrets} from '../../src/core/secrets.js'
import {resumeCommand, runExport} from '../../src/export/index.js'
import {splitWindows} from '../../src/export/windows.js'
import {columnIndex, csvLines, expectedExport, harness, sumColumn, type Harness} from './helpers.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

const week = {start: new Date('2024-11-10T00:00:00Z'), end: new Date('2024-11-17T00:00:00Z')}
const twoWindows = {start: new Date('2024-09-25T00:00:00Z'), end: new Date('2024-11-19T00:00:00Z')}
const downloads = (current: Harness) => current.sim.requests.filter((r) => r.server === 'download')
const posts = (current: Harness) => current.sim.requests.filter((r) => r.server === 'api' && r.method === 'POST')

async function expectExact(current: Harness, range: {start: Date; end: Date}, result: {rows: number; duplicatesDropped: number}) {
  const expected = expectedExport(current.sim, [current.orgId], splitWindows(range))
  const {header, rows} = await csvLines(join(current.out, 'usage.csv'))
  expect(header).toEqual(current.sim.header)
  expect([...rows].sort()).toEqual([...expected.rows].sort())
  expect(result).toMatchObject({rows: expected.rows.length, duplicatesDropped: expected.duplicates})
  expect(sumColumn(rows, columnIndex(header, 'TOTAL_CREDITS'))).toBe(sumColumn(expected.rows, columnIndex(current.sim.header, 'TOTAL_CREDITS')))
}

async function manifestOf(current: Harness) {
  return JSON.parse(await readFile(join(current.out, 'export-manifest.json'), 'utf8'))
}

/** A first run whose third part never arrives whole (the retries run out): parts 1 and 2 are verified. */
async function interruptedRun(current: Harness, range = week) {
  const error = await current.run({range}).catch((e: unknown) => e)
  expect(error).toMatchObject({code: 'E_DOWNLOAD_FAILED'})
  expect(existsSync(join(current.out, 'usage.csv'))).toBe(false)
}

describe('resuming an interrupted export', () => {
  it('downloads only the part that was missing, reusing the scanned parts', async () => {
    h = await harness({parts: 3, faults: [{type: 'truncate-part', part: 2, times: 6}]})
    await interruptedRun(h)
    const manifest = await manifestOf(h)
    expect(manifest.status).toBe('failed')
    const verified = manifest.windows[0].parts
    expect(verified.map((p: {index: number}) => p.index)).toEqual([0, 1])
    for (const part of verified) expect(part).toMatchObject({verified: true, csvFile: part.file.replace(/\.gz$/, ''), csvBytes: expect.any(Number)})

    const mark = h.sim.requests.length
    const result = await h.run()
    const again = h.sim.requests.slice(mark)
    expect(again.filter((r) => r.method === 'POST')).toEqual([])
    expect(again.filter((r) => r.server === 'download').map((r) => r.path)).toEqual([expect.stringMatching(/part-2\.csv\.gz$/)])
    expect(h.logs.some((line) => line.includes('making its CSV again'))).toBe(false)
    await expectExact(h, week, result)
  })

  it.each<[string, (plain: string) => Promise<void>]>([
    ['missing', (plain) => rm(plain)],
    ['truncated', (plain) => truncate(plain, 100)],
    ['longer', (plain) => writeFile(plain, 'x\n', {flag: 'a'})],
    ['without its scan', (plain) => rm(`${plain}.scan.json`)],
    ['with a damaged scan', (plain) => writeFile(`${plain}.scan.json`, '{"version":1,')],
  ])('makes a plain CSV %s again from the kept .csv.gz, without downloading it', async (_name, damage) => {
    h = await harness({parts: 3, faults: [{type: 'truncate-part', part: 2, times: 6}]})
    await interruptedRun(h)
    const partsDir = join(h.out, '.parts')
    const [first] = (await readdir(partsDir)).filter((name) => name.endsWith('-1.csv'))
    await damage(join(partsDir, first))
    const mark = h.sim.requests.length
    const result = await h.run()
    expect(h.sim.requests.slice(mark).filter((r) => r.server === 'download')).toHaveLength(1)
    expect(h.logs.filter((line) => line.includes('making its CSV again from the verified download'))).toEqual([expect.stringMatching(/^part 1 of 3 of job /)])
    await expectExact(h, week, result)
  })

  it('a kept .csv.gz that no longer verifies is named, with what to do, when its CSV must be made again', async () => {
    h = await harness({parts: 3, faults: [{type: 'truncate-part', part: 2, times: 6}]})
    await interruptedRun(h)
    const partsDir = join(h.out, '.parts')
    const [gzip] = (await readdir(partsDir)).filter((name) => name.endsWith('-1.csv.gz'))
    await rm(join(partsDir, gzip.replace(/\.gz$/, '')))
    // Same size (so it still counts as downloaded), damaged content.
    const bytes = await readFile(join(partsDir, gzip))
    bytes.fill(0x55, 40, 80)
    await writeFile(join(partsDir, gzip), bytes)
    const error = await h.run().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({
      code: 'E_PART_CORRUPT',
      message: `part 1 of 3 of job ${h.sim.jobs()[0].id} is not a complete gzip file; delete ${join(partsDir, gzip)} and rerun the export. Resume with: ${resumeCommand(h.options())}`,
    })
    expect((await readdir(partsDir)).filter((name) => name.endsWith('.partial'))).toEqual([])
  })

  it('across two windows: rows repeated at the boundary are dropped with the scans of the first run', async () => {
    // Six attempts at the second part of each window's job: both fail, the first parts are scanned.
    h = await harness({parts: 2, faults: [{type: 'truncate-part', part: 1, times: 12}]})
    await interruptedRun(h, twoWindows)
    const mark = downloads(h).length
    const result = await h.run({range: twoWindows})
    expect(downloads(h).slice(mark).map((r) => r.path)).toEqual([expect.stringMatching(/part-1\.csv\.gz$/), expect.stringMatching(/part-1\.csv\.gz$/)])
    expect(result.duplicatesDropped).toBeGreaterThan(0)
    await expectExact(h, twoWindows, result)
    expect(posts(h)).toHaveLength(2)
  })

  it('a part refused for its content: the job is dropped, so the rerun the message advises exports the window again and succeeds', async () => {
    // The damage comes with the first job only, as a fault on CircleCI's side would; a new job is sound.
    h = await harness({parts: 2, faults: [{type: 'ragged-row', part: 1, times: 1}]})
    const first = await h.run().catch((e: unknown) => e)
    expect(first).toBeInstanceOf(ApiError)
    expect(first).toMatchObject({code: 'E_PART_RAGGED_ROW', exitCode: 4})
    const message = (first as Error).message
    expect(message).toMatch(/^part 2 of 2 of job \S+, line 2: 47 fields where the header has 48; the export is damaged, rerun it/)
    expect(message).toMatch(/rerunning creates a new export job for window 1\/1 \(2024-11-10T00:00:00Z \.\. 2024-11-17T00:00:00Z\)/)
    expect(message.split('\n')).toHaveLength(1)
    const [damagedJob] = h.sim.jobs()
    const manifest = await manifestOf(h)
    expect(manifest).toMatchObject({status: 'failed', windows: [{state: 'new', parts: []}]})
    expect(manifest.windows[0].jobId).toBeUndefined()
    expect((await readdir(join(h.out, '.parts'))).filter((name) => name.startsWith(damagedJob.id))).toEqual([])

    const mark = downloads(h).length
    const second = await h.run()
    expect(posts(h)).toHaveLength(2)
    expect(downloads(h).length - mark).toBe(2)
    await expectExact(h, week, second)
  })

  it("parts of one job with different columns: the job is dropped, so the rerun the message advises exports the window again", async () => {
    h = await harness({parts: 3, faults: [{type: 'header-mismatch', part: 2, times: 1}]})
    const first = await h.run().catch((e: unknown) => e)
    expect(first).toMatchObject({code: 'E_PART_HEADER_MISMATCH', exitCode: 4})
    expect((first as Error).message).toMatch(/^part 3 of 3 of job \S+ has column GPU_CREDITS where TOTAL_CREDITS was expected .* Rerun the export\. The job was dropped from export-manifest\.json: rerunning creates a new export job for window 1\/1/)
    const second = await h.run()
    expect(posts(h)).toHaveLength(2)
    await expectExact(h, week, second)
  })

  it('a part refused for its content in one window: the rerun exports that window again and keeps the others downloaded', async () => {
    h = await harness({parts: 2, faults: [{type: 'ragged-row', part: 0, times: 1}]})
    const first = await h.run({range: twoWindows}).catch((e: unknown) => e)
    expect(first).toMatchObject({code: 'E_PART_RAGGED_ROW'})
    expect((first as Error).message).toMatch(/new export job for window 1\/2 .*; the other windows' downloads are kept/)
    const before = await manifestOf(h)
    expect(before.windows[0].jobId).toBeUndefined()
    expect(before.windows[1]).toMatchObject({state: 'completed', partCount: 2, parts: [{verified: true}, {verified: true}]})

    const mark = downloads(h).length
    const second = await h.run({range: twoWindows})
    expect(posts(h)).toHaveLength(3)
    const [, kept, fresh] = h.sim.jobs()
    const again = downloads(h).slice(mark).map((r) => r.path)
    expect(again).toHaveLength(2)
    for (const path of again) expect(path).toContain(fresh.id)
    expect(h.logs).toContain(`window 2/2 (${before.windows[1].start.replace('.000Z', 'Z')} .. ${before.windows[1].end.replace('.000Z', 'Z')}): job ${kept.id} already downloaded.`)
    await expectExact(h, twoWindows, second)
  })

  it('keeps only the verified .csv.gz with --keep-parts, and a rerun makes the CSVs from them', async () => {
    h = await harness({parts: 3})
    const first = await h.run({keepParts: true})
    const csv = await readFile(first.csvPath)
    expect((await readdir(join(h.out, '.parts'))).every((name) => name.endsWith('.csv.gz'))).toBe(true)
    const manifest = await manifestOf(h)
    for (const part of manifest.windows[0].parts) expect(part.csvFile).toBeUndefined()
    const mark = downloads(h).length
    await h.run({keepParts: true})
    expect(downloads(h).length).toBe(mark)
    expect(h.logs.filter((line) => line.includes('making its CSV again'))).toHaveLength(3)
    expect(await readFile(first.csvPath)).toEqual(csv)
  })

  it('leaves no plain CSV or scan behind after a merge', async () => {
    h = await harness({parts: 2})
    await h.run()
    expect(existsSync(join(h.out, '.parts'))).toBe(false)
  })
})

describe('problems found while downloading', () => {
  it.each<[string, {type: 'ragged-row' | 'header-mismatch'; part: number}[], RegExp]>([
    ['a ragged row in part 1 before a header mismatch in part 3', [{type: 'ragged-row', part: 0}, {type: 'header-mismatch', part: 2}], /^part 1 of 3 of job \S+, line 2: 47 fields/],
    ['a header mismatch in part 2 before a ragged row in part 3', [{type: 'header-mismatch', part: 1}, {type: 'ragged-row', part: 2}], /^part 2 of 3 of job \S+ has column GPU_CREDITS where TOTAL_CREDITS was expected/],
  ])('%s: the first in part order, exit 4, nothing written', async (_name, faults, message) => {
    h = await harness({parts: 3, faults})
    const error = await h.run().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as CciUsageError).exitCode).toBe(4)
    expect((error as Error).message).toMatch(message)
    expect((error as Error).message.split('\n')).toHaveLength(1)
    expect((await readdir(h.out)).filter((name) => name.includes('usage'))).toEqual([])
  })
})

/**
 * A Usage API whose one job has the given parts, and whose download server answers no part before every part
 * has been asked for (so a sequential download would wait out the barrier), then answers the last part first.
 */
async function barrierApi(partBodies: Buffer[]) {
  let origin = ''
  const waiting: {index: number; res: ServerResponse}[] = []
  let maxInFlight = 0
  let released = false
  const answer = (index: number, res: ServerResponse) => {
    const body = gzipSync(partBodies[index])
    res.writeHead(200, {'content-type': 'application/gzip', 'content-length': body.length})
    res.end(body)
  }
  const release = () => {
    if (released) return
    released = true
    clearTimeout(timer)
    waiting.sort((a, b) => b.index - a.index)
    waiting.forEach(({index, res}, order) => setTimeout(() => answer(index, res), order * 30))
  }
  const timer = setTimeout(release, 3000)
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, {'content-type': 'application/json'})
      res.end(JSON.stringify(body))
    }
    const part = /^\/parts\/(\d+)/.exec(req.url ?? '')
    if (part) {
      if (released) return answer(Number(part[1]), res)
      waiting.push({index: Number(part[1]), res})
      maxInFlight = Math.max(maxInFlight, waiting.length)
      if (waiting.length === partBodies.length) release()
      return
    }
    if (req.method === 'POST') {
      req.resume()
      req.on('end', () => json(201, {usage_export_job_id: 'job-1', state: 'created'}))
      return
    }
    json(200, {usage_export_job_id: 'job-1', state: 'completed', download_urls: partBodies.map((_, i) => `${origin}/parts/${i}?sig=x`)})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    maxInFlight: () => maxInFlight,
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(timer)
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

describe('parts at the same time', () => {
  let out: string
  let api: Awaited<ReturnType<typeof barrierApi>> | undefined
  beforeEach(async () => {
    out = await mkdtemp(join(tmpdir(), 'cci-parallel-'))
  })
  afterEach(async () => {
    await api?.close()
    api = undefined
    await rm(out, {recursive: true, force: true})
    forgetSecrets()
  })

  const header = 'JOB_ID,JOB_RUN_DATE,PROJECT_NAME,TOTAL_CREDITS'
  const exportWith = (origin: string) =>
    runExport(
      {host: origin, token: 't', orgId: 'org', sharedOrgIds: [], range: week, outDir: out, timeoutMs: 60_000},
      {clock: () => new Date('2024-11-20T10:00:00Z'), sleep: async () => undefined, log: () => undefined},
    )

  it('downloads and scans four parts at once, finishing last-first, and merges them in part order', async () => {
    const rows = (part: number) => Array.from({length: 2000}, (_, i) => `p${part}-${i},2024-11-1${part},"proj, ${part}",${i}`)
    api = await barrierApi([1, 2, 3, 4].map((part) => Buffer.from([header, ...rows(part)].join('\n') + '\n')))
    const result = await exportWith(api.origin)
    expect(api.maxInFlight()).toBe(4)
    expect(await readFile(join(out, 'usage.csv'), 'utf8')).toBe([header, ...rows(1), ...rows(2), ...rows(3), ...rows(4)].join('\n') + '\n')
    expect(result.rows).toBe(8000)
  })

  it('reports the first bad part in part order, though a later bad part finished first', async () => {
    const good = Buffer.from(`${header}\na,2024-11-11,web,1\n`)
    const latin1 = Buffer.from(`${header}\nb,2024-11-11,web,1\nc,2024-11-11,caf\xe9,2\n`, 'latin1')
    const ragged = Buffer.from(`${header}\nd,2024-11-11,1\n`)
    api = await barrierApi([good, latin1, ragged])
    const error = await exportWith(api.origin).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({
      code: 'E_PART_NOT_UTF8',
      message: expect.stringMatching(
        /^part 2 of 3 of job job-1, line 3: the file is not UTF-8 \(as the Usage API writes it\); rerun the export\. The job was dropped from export-manifest\.json: rerunning creates a new export job for window 1\/1 \([^)]+\)\. Resume with: cci-usage export --org-id \S+ --start \S+ --end \S+ --out \S+ --host \S+$/,
      ),
    })
  })
})

describe('a download that asks to wait past --timeout', () => {
  it('stops at once with exit 5 (a timeout that resumes), not after sleeping the hour a 429 asks for', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cci-download-wait-'))
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      if (req.url?.startsWith('/parts/')) {
        // Storage throttling: come back in an hour.
        res.writeHead(429, {'retry-after': '3600'})
        return res.end()
      }
      req.resume()
      res.writeHead(req.method === 'POST' ? 201 : 200, {'content-type': 'application/json'})
      res.end(JSON.stringify({usage_export_job_id: 'job-1', state: 'completed', download_urls: [`${origin}/parts/0?sig=x`]}))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const slept: number[] = []
    try {
      const error = await runExport(
        {host: origin, token: 't', orgId: 'org', sharedOrgIds: [], range: week, outDir: out, timeoutMs: 10 * 60_000},
        {clock: () => new Date('2024-11-20T10:00:00Z'), sleep: async (ms) => void slept.push(ms), log: () => undefined},
      ).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(CciUsageError)
      expect(error).toMatchObject({code: 'E_EXPORT_TIMEOUT', exitCode: 5})
      expect((error as Error).message).toMatch(/^The export jobs completed, but their downloads did not finish within 10m .*waiting would pass --timeout.*Resume with: /)
      expect(slept).toEqual([])
    } finally {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await rm(out, {recursive: true, force: true})
      forgetSecrets()
    }
  })
})
