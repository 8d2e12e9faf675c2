/**
 * A download becomes `<out>/.parts/<job>-<n>.csv.gz` only once it is verified; the manifest records it just
 * after. An export killed between the two (SIGKILL: the OOM killer, a CI timeout; several parts download at once,
 * so the moment is not rare) leaves a verified part the manifest does not list. The rerun takes it from disk
 * (checking its gzip to the trailer as it makes its CSV) instead of downloading it again; one that does not
 * verify is downloaded again.
 */
import {readFile, readdir, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {splitWindows} from '../../src/export/windows.js'
import {columnIndex, csvLines, expectedExport, harness, sumColumn, type Harness} from './helpers.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

const week = {start: new Date('2024-11-10T00:00:00Z'), end: new Date('2024-11-17T00:00:00Z')}

/**
 * What a SIGKILL after part 1's download was renamed into place, before its scan and the manifest were saved,
 * leaves: parts 1 and 2 on disk, part 1 missing from the manifest (part 3 never arrived whole).
 */
async function killedBeforeRecordingPart1(current: Harness): Promise<string> {
  await expect(current.run({range: week})).rejects.toMatchObject({code: 'E_DOWNLOAD_FAILED'})
  const manifestPath = join(current.out, 'export-manifest.json')
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8'))
  manifest.windows[0].parts = manifest.windows[0].parts.filter((part: {index: number}) => part.index !== 0)
  await writeFile(manifestPath, JSON.stringify(manifest, null, 2))
  const partsDir = join(current.out, '.parts')
  const [gzip] = (await readdir(partsDir)).filter((name) => name.endsWith('-1.csv.gz'))
  await rm(join(partsDir, `${gzip.replace(/\.gz$/, '')}.scan.json`))
  return join(partsDir, gzip)
}

async function expectExact(current: Harness, result: {rows: number}) {
  const expected = expectedExport(current.sim, [current.orgId], splitWindows(week))
  const {header, rows} = await csvLines(join(current.out, 'usage.csv'))
  expect([...rows].sort()).toEqual([...expected.rows].sort())
  expect(result.rows).toBe(expected.rows.length)
  expect(sumColumn(rows, columnIndex(header, 'TOTAL_CREDITS'))).toBe(sumColumn(expected.rows, columnIndex(current.sim.header, 'TOTAL_CREDITS')))
}

const downloadsSince = (current: Harness, mark: number) => current.sim.requests.slice(mark).filter((r) => r.server === 'download').map((r) => r.path)

describe('a verified part the manifest does not list (killed before recording it)', () => {
  it('is taken from disk, not downloaded again', async () => {
    h = await harness({parts: 3, faults: [{type: 'truncate-part', part: 2, times: 6}]})
    await killedBeforeRecordingPart1(h)
    const mark = h.sim.requests.length
    const result = await h.run({range: week})
    expect(downloadsSince(h, mark)).toEqual([expect.stringMatching(/part-2\.csv\.gz$/)])
    expect(h.sim.requests.slice(mark).filter((r) => r.method === 'POST')).toEqual([])
    await expectExact(h, result)
  })

  it('is downloaded again when it does not verify', async () => {
    h = await harness({parts: 3, faults: [{type: 'truncate-part', part: 2, times: 6}]})
    const gzip = await killedBeforeRecordingPart1(h)
    const bytes = await readFile(gzip)
    await writeFile(gzip, bytes.subarray(0, bytes.length >> 1))
    const mark = h.sim.requests.length
    const result = await h.run({range: week})
    expect(downloadsSince(h, mark).sort()).toEqual([expect.stringMatching(/part-0\.csv\.gz$/), expect.stringMatching(/part-2\.csv\.gz$/)])
    await expectExact(h, result)
  })
})
