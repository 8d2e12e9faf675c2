import {existsSync} from 'node:fs'
import {readFile, readdir, rm} from 'node:fs/promises'
import {join} from 'node:path'

import {ApiError, AuthError, BadInputError, CciUsageError, TimeoutError} from '../../src/core/errors.js'
import {MAX_SILENT_WAIT_MS} from '../../src/api/pacer.js'
import {DEFAULT_POLL_INTERVAL_MS, runExport} from '../../src/export/index.js'
import {splitWindows} from '../../src/export/windows.js'
import type {Fault} from '../../src/simulator/index.js'
import {
  assertNoCredentialToDownloads,
  assertNoSecrets,
  columnIndex,
  csvLines,
  expectedExport,
  harness,
  sumColumn,
  type Harness,
} from './helpers.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

const week = {start: new Date('2024-11-10T00:00:00Z'), end: new Date('2024-11-17T00:00:00Z')}

async function expectExactExport(current: Harness, range = week) {
  const result = await current.run({range})
  const windows = splitWindows(range)
  const expected = expectedExport(current.sim, [current.orgId], windows)
  const {header, rows} = await csvLines(join(current.out, 'usage.csv'))
  const credits = columnIndex(header, 'TOTAL_CREDITS')
  expect(header).toEqual(current.sim.header)
  expect(rows.length).toBe(expected.rows.length)
  expect(result.rows).toBe(expected.rows.length)
  expect(result.duplicatesDropped).toBe(expected.duplicates)
  expect(sumColumn(rows, credits)).toBe(sumColumn(expected.rows, columnIndex(current.sim.header, 'TOTAL_CREDITS')))
  // Same bytes per row, none lost, none doubled.
  expect([...rows].sort()).toEqual([...expected.rows].sort())
  assertNoCredentialToDownloads(current.sim)
  await assertNoSecrets(current)
  return result
}

const posts = (current: Harness) => current.sim.requests.filter((r) => r.server === 'api' && r.method === 'POST')
const gets = (current: Harness) => current.sim.requests.filter((r) => r.server === 'api' && r.method === 'GET')
const downloads = (current: Harness) => current.sim.requests.filter((r) => r.server === 'download')

describe('export against the simulator', () => {
  it('exports one window: every row exactly once, manifest complete, no secret anywhere', async () => {
    h = await harness({parts: 3})
    const result = await expectExactExport(h)
    expect(result.rows).toBeGreaterThan(100)
    expect(result.windows).toEqual([expect.objectContaining({parts: 3, state: 'completed', rows: result.rows})])
    const manifest = JSON.parse(await readFile(result.manifestPath, 'utf8'))
    expect(manifest.status).toBe('completed')
    expect(manifest.windows[0].parts.map((p: {verified: boolean}) => p.verified)).toEqual([true, true, true])
    expect(posts(h)).toHaveLength(1)
    expect(h.logs.some((line) => line.includes('created export job'))).toBe(true)
  })

  it('splits a long range into windows, paces GETs across them, and drops rows repeated at the boundaries', async () => {
    h = await harness({parts: 2, pendingPolls: 4})
    const range = {start: new Date('2024-09-25T00:00:00Z'), end: new Date('2024-11-19T00:00:00Z')}
    const result = await expectExactExport(h, range)
    expect(result.windows).toHaveLength(2)
    // Rows at a boundary instant are served by both windows: the test data has some.
    expect(result.duplicatesDropped).toBeGreaterThan(0)
    const times = gets(h).map((r) => r.at.getTime())
    for (const t of times) expect(times.filter((other) => other >= t && other < t + 60_000).length).toBeLessThanOrEqual(10)
    expect(h.sim.requests.filter((r) => r.status === 429)).toEqual([])
  })

  it('notices completion within ~10 s when there is rate budget', async () => {
    h = await harness({parts: 1, pendingPolls: 3})
    await h.run()
    const [created] = posts(h)
    const completedAt = gets(h).at(-1)!.at.getTime()
    // created, processing, processing, completed: three 6 s gaps.
    expect(completedAt - created.at.getTime()).toBeLessThanOrEqual(3 * 10_000)
  })

  it.each<[string, Fault[]]>([
    ['rate limit on POST with Retry-After', [{type: 'rate-limit', on: 'post', retryAfter: 2}]],
    ['rate limit on GET without Retry-After', [{type: 'rate-limit', on: 'get', retryAfter: null, times: 2}]],
    ['rate limit on download', [{type: 'rate-limit', on: 'download', retryAfter: 1}]],
    ['server error on POST', [{type: 'server-error', on: 'post', status: 503}]],
    ['server errors on GET', [{type: 'server-error', on: 'get', status: 500, times: 2}]],
    ['server error on download', [{type: 'server-error', on: 'download', status: 502}]],
    ['network reset on POST', [{type: 'network-reset', on: 'post'}]],
    ['network reset on GET', [{type: 'network-reset', on: 'get'}]],
    ['network reset on download', [{type: 'network-reset', on: 'download', times: 2}]],
    ['a truncated part', [{type: 'truncate-part', part: 1}]],
    ['expired download links', [{type: 'expired-url', part: 0, times: 1}, {type: 'expired-url', part: 2, times: 1}]],
  ])('recovers from %s with exact rows and credits', async (_name, faults) => {
    h = await harness({parts: 3, faults})
    await expectExactExport(h)
    // 1 POST, 3 GETs (created, processing, completed) and 3 downloads when nothing goes wrong: the fault cost retries.
    expect(h.sim.requests.length).toBeGreaterThan(7)
  })

  it('refreshes expired links with a new GET of the job, and never shows the links', async () => {
    h = await harness({parts: 3, faults: [{type: 'expired-url', part: 1}]})
    await expectExactExport(h)
    expect(downloads(h).filter((r) => r.status === 403)).toHaveLength(1)
    expect(h.logs.some((line) => line.includes('part 2 of 3 of job'))).toBe(true)
  })

  it('retries a truncated part until it verifies', async () => {
    h = await harness({parts: 3, faults: [{type: 'truncate-part', part: 0, times: 2}]})
    await expectExactExport(h)
    expect(downloads(h).filter((r) => r.path.endsWith('part-0.csv.gz') || r.path.endsWith('part-1.csv.gz')).length).toBeGreaterThanOrEqual(3)
    expect(h.logs.some((line) => /part 1 of 3 of job .*(gzip|incomplete|ECONNRESET|retrying)/.test(line))).toBe(true)
  })

  it('fails with exit 4 and the error_reason when the job fails', async () => {
    h = await harness({faults: [{type: 'job-failed', errorReason: 'Export exceeded the size limit'}]})
    const error = await h.run().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as CciUsageError).exitCode).toBe(4)
    expect((error as Error).message).toMatch(/failed: Export exceeded the size limit/)
    await assertNoSecrets(h, [(error as Error).message])
  })

  it('writes a header-only CSV (48 columns) when a job completes without links', async () => {
    h = await harness({faults: [{type: 'no-urls'}]})
    const result = await h.run()
    expect(result).toMatchObject({empty: true, rows: 0})
    const text = await readFile(result.csvPath, 'utf8')
    expect(text.trim().split('\n')).toHaveLength(1)
    expect(text.trim().split(',')).toHaveLength(48)
    expect(h.logs.some((line) => /no usage/i.test(line))).toBe(true)
  })

  it('refuses a part whose header differs, naming the part and the column', async () => {
    h = await harness({parts: 3, faults: [{type: 'header-mismatch', part: 2}]})
    const error = await h.run().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as Error).message).toMatch(/part 3 of 3 of job \S+ has column GPU_CREDITS where TOTAL_CREDITS was expected/)
    expect((await readdir(h.out)).filter((name) => name.includes('usage.csv'))).toEqual([])
  })

  it('refuses a ragged row, naming the part and the line', async () => {
    h = await harness({parts: 2, faults: [{type: 'ragged-row', part: 1}]})
    const error = await h.run().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as Error).message).toMatch(/part 2 of 2 of job \S+, line \d+: 47 fields where the header has 48/)
  })

  it('times out with exit 5, naming the job and the resume command without the token', async () => {
    h = await harness({faults: [{type: 'never-complete'}]})
    const error = await h.run({timeoutMs: 2 * 60_000}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as CciUsageError).exitCode).toBe(5)
    const [job] = h.sim.jobs()
    const message = (error as Error).message
    expect(message).toContain(job.id)
    expect(message).toContain(`cci-usage export --org-id ${h.orgId} --start 2024-11-10T00:00:00Z --end 2024-11-17T00:00:00Z --out ${h.out} --host ${h.sim.apiUrl}`)
    expect(message).not.toContain(h.sim.token)
    expect(h.time.slept()).toBeLessThanOrEqual(2 * 60_000 + 10_000)
  })

  it('says a job is still being prepared at least every 5 minutes while it waits, so a CI step is not killed as silent before --timeout', async () => {
    // A large export stays processing for up to an hour and --timeout may be longer (the orb's timeout parameter),
    // while CircleCI ends a step that prints nothing for its no_output_timeout (60 min in the orb's generate).
    h = await harness({faults: [{type: 'never-complete'}]})
    const current = h
    const stamps = [current.time.clock().getTime()]
    const lines: string[] = []
    const log = (line: string) => {
      stamps.push(current.time.clock().getTime())
      lines.push(line)
    }
    // Each sleep also lasts the few milliseconds a real request and timer add: polls then land just over 6 s apart,
    // under the GET budget, so the pacer's "waiting" lines that exact 6 s steps would make do not happen either.
    const sleep = (ms: number) => current.time.sleep(ms + 200)
    const error = await runExport(current.options({timeoutMs: 2 * 3_600_000}), {clock: current.time.clock, sleep, log}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    stamps.push(current.time.clock().getTime())
    expect(current.time.slept()).toBeGreaterThan(2 * 3_600_000 - 60_000)
    const gaps = stamps.slice(1).map((at, index) => at - stamps[index])
    expect(Math.max(...gaps)).toBeLessThanOrEqual(MAX_SILENT_WAIT_MS + DEFAULT_POLL_INTERVAL_MS)
    const [job] = current.sim.jobs()
    expect(lines.filter((line) => line.includes(`job ${job.id} is still`)).length).toBeGreaterThanOrEqual(20)
  })

  it('gives up with exit 5 at once when a Retry-After would outlast --timeout, instead of sleeping through it', async () => {
    h = await harness({faults: [{type: 'rate-limit', on: 'post', retryAfter: 3600}]})
    const error = await h.run({timeoutMs: 10 * 60_000}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as Error).message).toContain('waiting would pass --timeout')
    expect((error as Error).message).toContain('Resume with: cci-usage export')
    expect(h.time.slept()).toBeLessThan(60_000)
  })

  it('stops at once, saying it did not wait, when the 11th window would wait past --timeout for the POST budget', async () => {
    h = await harness({parts: 1})
    // 12 windows of 31 days: 10 POSTs an hour, so the 11th could be created only after an hour.
    const range = {start: new Date('2023-11-25T00:00:00Z'), end: new Date('2024-11-19T00:00:00Z')}
    const error = await h.run({range, timeoutMs: 30 * 60_000}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as CciUsageError).exitCode).toBe(5)
    const message = (error as Error).message
    expect(message).toMatch(/^Export jobs cannot all complete within --timeout 30m \(the POST budget \(10 an hour\) is used up: the next export job could be created only in about \d+ min\), so the export stopped now instead of waiting/)
    expect(message).not.toContain('still not completed after')
    expect(message).toContain('Resume with: cci-usage export')
    expect(message).toContain('with a longer --timeout')
    expect(posts(h)).toHaveLength(10)
    expect(h.time.slept()).toBeLessThan(60_000)
  })

  it('resumes after a timeout without spending a new POST', async () => {
    h = await harness({parts: 2, pendingPolls: 8})
    await expect(h.run({timeoutMs: 20_000})).rejects.toThrow(TimeoutError)
    const manifest = JSON.parse(await readFile(join(h.out, 'export-manifest.json'), 'utf8'))
    expect(manifest.status).toBe('timed-out')
    expect(posts(h)).toHaveLength(1)
    await expectExactExport(h)
    expect(posts(h)).toHaveLength(1)
    expect(h.logs.some((line) => line.includes('reusing job'))).toBe(true)
  })

  it('a job stuck on CircleCI\'s side is reused by a rerun within a day, then replaced by a new one', async () => {
    // Only the first job never completes: the one created after it does.
    h = await harness({parts: 2, faults: [{type: 'never-complete', times: 1}]})
    await expect(h.run({timeoutMs: 2 * 60_000})).rejects.toThrow(TimeoutError)
    await expect(h.run({timeoutMs: 2 * 60_000})).rejects.toThrow(TimeoutError)
    expect(posts(h)).toHaveLength(1)
    const [stuck] = h.sim.jobs()

    await h.time.sleep(24 * 3_600_000)
    await expectExactExport(h)
    expect(posts(h)).toHaveLength(2)
    expect(h.logs).toContainEqual(expect.stringMatching(new RegExp(`job ${stuck.id} from a previous run is still (created|processing) 2\\d h after it was created; creating a new one\\.$`)))
  })

  it('removes the downloaded parts after a successful merge unless asked to keep them', async () => {
    h = await harness({parts: 2})
    await h.run()
    expect(existsSync(join(h.out, '.parts'))).toBe(false)
    expect(existsSync(join(h.out, 'usage.csv'))).toBe(true)
  })

  it('with keepParts, reruns without POSTs or downloads when every part is verified, and re-fetches only a missing part', async () => {
    h = await harness({parts: 3})
    const first = await h.run({keepParts: true})
    const firstCsv = await readFile(first.csvPath, 'utf8')
    const before = h.sim.requests.length
    const second = await h.run({keepParts: true})
    expect(h.sim.requests.length).toBe(before)
    expect(await readFile(second.csvPath, 'utf8')).toBe(firstCsv)

    const partsDir = join(h.out, '.parts')
    const [gone] = (await readdir(partsDir)).sort()
    await rm(join(partsDir, gone))
    const mark = h.sim.requests.length
    await h.run({keepParts: true})
    const after = h.sim.requests.slice(mark)
    expect(after.filter((r) => r.method === 'POST')).toHaveLength(0)
    expect(after.filter((r) => r.server === 'download')).toHaveLength(1)
    expect(await readFile(second.csvPath, 'utf8')).toBe(firstCsv)
  })

  it('for run, a rerun the same UTC day that asks for less than a completed export holds reuses usage.csv, with no request', async () => {
    // run --history: the first run exported the week and the days its history lacked; once they are in the history
    // (or the run was killed after that), its rerun asks for the week alone.
    h = await harness({parts: 2})
    const history = {start: new Date('2024-11-01T00:00:00Z'), end: new Date('2024-11-10T00:00:00Z')}
    const first = await h.run({range: week, extraRanges: [history], reuseCompleted: true})
    const csv = await readFile(first.csvPath, 'utf8')
    const mark = h.sim.requests.length
    const again = await h.run({range: week, reuseCompleted: true})
    expect(h.sim.requests.length).toBe(mark)
    expect(await readFile(again.csvPath, 'utf8')).toBe(csv)
    expect(again).toEqual({...first, bytes: Buffer.byteLength(csv)})
    expect(h.logs.at(-1)).toMatch(/^usage\.csv already holds 2024-11-01T00:00:00\.000Z \.\. 2024-11-17T00:00:00\.000Z .*: reused, no new export job \(another --out exports afresh\)\.$/)
    // export itself writes the range asked for: no reuse of a wider file.
    await h.run({range: week})
    expect(posts(h)).toHaveLength(2)
  })

  it('for run, exports again for a range the completed export does not hold, or on a later UTC day', async () => {
    h = await harness({parts: 1})
    await h.run({range: week, reuseCompleted: true})
    await h.run({range: {start: new Date('2024-11-09T00:00:00Z'), end: new Date('2024-11-17T00:00:00Z')}, reuseCompleted: true})
    expect(posts(h)).toHaveLength(2)
    // The week lies inside what the second export holds: reused.
    await h.run({range: week, reuseCompleted: true})
    expect(posts(h)).toHaveLength(2)
    await h.time.sleep(24 * 3600_000)
    await h.run({range: week, reuseCompleted: true})
    expect(posts(h)).toHaveLength(3)
  })

  it('creates a new job when the manifest names one the API no longer knows', async () => {
    h = await harness({parts: 1})
    await h.run()
    const manifestPath = join(h.out, 'export-manifest.json')
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'))
    manifest.windows[0].jobId = 'does-not-exist'
    manifest.windows[0].state = 'processing'
    await (await import('node:fs/promises')).writeFile(manifestPath, JSON.stringify(manifest))
    await expectExactExport(h)
    expect(posts(h)).toHaveLength(2)
    expect(h.logs.some((line) => line.includes('no longer exists'))).toBe(true)
  })

  it('maps a wrong token to exit 3 without echoing it', async () => {
    h = await harness()
    const error = await h.run({token: 'wrong-token-123456'}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuthError)
    expect((error as CciUsageError).exitCode).toBe(3)
    expect((error as Error).message).not.toContain('wrong-token-123456')
    expect(posts(h)).toHaveLength(1)
  })

  it('maps an org the token cannot export to exit 3', async () => {
    h = await harness({orgIds: ['someone-else']})
    await expect(h.run()).rejects.toThrow(AuthError)
  })

  it('a shared organization the token cannot read: exit 3 naming the shared organizations, not only the one it can read', async () => {
    h = await harness()
    const primary = h.orgId
    await h.close()
    h = await harness({orgIds: [primary]})
    const error = await h.run({sharedOrgIds: ['org-nobody-shares']}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuthError)
    expect((error as CciUsageError).exitCode).toBe(3)
    expect((error as Error).message).toBe(
      `CircleCI refused the token (HTTP 403) for an export of organization ${primary} with the shared organizations org-nobody-shares: the token needs access to every one of them; leave out those it cannot read (--shared-org-id, or without --discover-shared-orgs) or use a token with access to all of them.`,
    )
    // The same token exports the organization alone: the refusal was about the shared one.
    expect((await h.run({sharedOrgIds: []})).rows).toBeGreaterThan(0)
  })

  it('refuses an out-of-range request before sending anything', async () => {
    h = await harness()
    const old = {start: new Date('2023-01-01T00:00:00Z'), end: new Date('2023-01-05T00:00:00Z')}
    await expect(h.run({range: old})).rejects.toThrow(BadInputError)
    expect(h.sim.requests).toHaveLength(0)
  })
})
