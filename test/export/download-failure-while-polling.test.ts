/**
 * A part that fails for good while other windows are still being polled: its rejection must be the export's
 * error (exit 4, one line), not an unhandled promise rejection that ends node with a stack trace (exit 1) while
 * the manifest still says `running`; and there is no point polling on until --timeout once the export cannot
 * succeed.
 */
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {ApiError, TimeoutError} from '../../src/core/errors.js'
import {runExport} from '../../src/export/index.js'
import {harness, type Harness} from './helpers.js'

let h: Harness | undefined
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)
beforeEach(() => {
  unhandled.length = 0
  process.on('unhandledRejection', onUnhandled)
})
afterEach(async () => {
  process.off('unhandledRejection', onUnhandled)
  await h?.close()
  h = undefined
})

// Two windows: [09-25, 10-26) and [10-26, 11-19).
const range = {start: new Date('2024-09-25T00:00:00Z'), end: new Date('2024-11-19T00:00:00Z')}

it('stops with the download failure (exit 4) while another window is still pending, with no unhandled rejection', async () => {
  // Both first jobs never complete; the first window's job is then replaced by one whose only part arrives cut
  // short on all 6 attempts, while the second window's job stays `processing`.
  h = await harness({parts: 1, pendingPolls: 0, faults: [{type: 'never-complete', times: 2}, {type: 'truncate-part', part: 0, times: 6}]})
  await expect(h.run({range, timeoutMs: 60_000})).rejects.toThrow(TimeoutError)
  const manifestPath = join(h.out, 'export-manifest.json')
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8'))
  manifest.windows[0].jobId = 'expired-job'
  await writeFile(manifestPath, JSON.stringify(manifest))

  const started = h.time.clock().getTime()
  // Every wait also lets real I/O run (a few ms), so the part's 6 attempts end while polling goes on, as in real time.
  const sleep = async (ms: number) => {
    await h!.time.sleep(ms)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  const error = await runExport(h.options({range, timeoutMs: 30 * 60_000}), {clock: h.time.clock, sleep, log: (line) => h!.logs.push(line)}).catch((e: unknown) => e)
  // Let any rejection nobody handled surface before looking.
  await new Promise((resolve) => setTimeout(resolve, 50))
  expect(unhandled).toEqual([])
  expect(error).toBeInstanceOf(ApiError)
  expect(error).toMatchObject({code: 'E_DOWNLOAD_FAILED', exitCode: 4})
  expect((error as Error).message).toMatch(/^Could not download part 1 of 1 of job \S+: /)
  // It stopped once the part failed (its retries wait about 30 s in all), not at --timeout.
  expect(h.time.clock().getTime() - started).toBeLessThan(5 * 60_000)
  expect(JSON.parse(await readFile(manifestPath, 'utf8')).status).toBe('failed')
})
