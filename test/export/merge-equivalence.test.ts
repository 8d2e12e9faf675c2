/**
 * Issue 15: the single-pass merge (each part scanned once into a plain CSV, then copied) writes exactly the bytes
 * the old streamed merge wrote, counts the same rows and repeats, and refuses the same parts with the same
 * messages. The old merge is kept verbatim in legacy-merge.ts as the oracle.
 */
import {readFileSync} from 'node:fs'
import {mkdtemp, readFile, readdir, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {gunzipSync, gzipSync} from 'node:zlib'

import {USAGE_COLUMNS} from '../../src/core/usage-columns.js'
import {mergeParts, type MergeOptions, type MergePart} from '../../src/export/merge.js'
import {GOLDEN_EXPORT, haveGoldenExport} from '../helpers/repo.js'
import {BOUNDARY, generatedExport, type PartText} from './generated-parts.js'
import {legacyMergeParts} from './legacy-merge.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cci-equiv-'))
})
afterEach(async () => {
  await rm(dir, {recursive: true, force: true})
})

async function writeParts(parts: readonly PartText[]): Promise<MergePart[]> {
  return Promise.all(
    parts.map(async (part, i) => {
      const path = join(dir, `p${i + 1}.csv${part.gzip === false ? '' : '.gz'}`)
      await writeFile(path, part.gzip === false ? part.text : gzipSync(part.text))
      return {path, label: `part ${i + 1} of ${parts.length} of job j${part.window}`, window: part.window}
    }),
  )
}

type Outcome = {ok: true; csv: Buffer; result: unknown} | {ok: false; code: string; message: string}

async function outcome(merge: (options: MergeOptions) => Promise<unknown>, options: Omit<MergeOptions, 'outPath'>, name: string): Promise<Outcome> {
  const outPath = join(dir, `${name}.csv`)
  try {
    const result = await merge({...options, outPath})
    return {ok: true, csv: await readFile(outPath), result}
  } catch (error) {
    const {code, message} = error as {code: string; message: string}
    return {ok: false, code, message}
  }
}

/** Both merges on the same parts: the same outcome, and nothing but the parts left in the folder. */
async function expectSameMerge(parts: readonly PartText[], boundaryDays?: string[]): Promise<Outcome> {
  const written = await writeParts(parts)
  const options = {parts: written, boundaryDays, emptyHeader: USAGE_COLUMNS}
  const before = (await readdir(dir)).sort()
  const legacy = await outcome(legacyMergeParts, options, 'legacy')
  const single = await outcome(mergeParts, options, 'single')
  if (legacy.ok && single.ok) {
    // Buffer.equals, then the first difference in words: jest's deep equality is slow on megabytes.
    if (!single.csv.equals(legacy.csv)) expect(firstDifference(single.csv, legacy.csv)).toBeUndefined()
    expect(single.result).toEqual(legacy.result)
  } else {
    expect(single).toEqual(legacy)
  }
  const left = (await readdir(dir)).filter((name) => !before.includes(name)).sort()
  expect(left).toEqual(legacy.ok ? ['legacy.csv', 'single.csv'] : [])
  return single
}

function firstDifference(actual: Buffer, expected: Buffer): string | undefined {
  const length = Math.min(actual.length, expected.length)
  let at = 0
  while (at < length && actual[at] === expected[at]) at++
  if (at === length && actual.length === expected.length) return undefined
  const around = (buf: Buffer) => JSON.stringify(buf.subarray(Math.max(0, at - 40), at + 40).toString('utf8'))
  return `byte ${at} of ${expected.length} (got ${actual.length}): ${around(actual)} instead of ${around(expected)}`
}

describe('the single-pass merge writes what the streamed merge wrote', () => {
  it.each(Array.from({length: 40}, (_, i) => i + 1))('generated multi-window export, seed %i', async (seed) => {
    await expectSameMerge(generatedExport(seed), BOUNDARY)
  })

  it('drops rows repeated across windows in these exports, and keeps same-window repeats', async () => {
    // The oracle comparison alone could pass with no repeat at all: make sure the cases exercise them.
    let dropped = 0
    let kept = 0
    for (let seed = 1; seed <= 10; seed++) {
      const result = await expectSameMerge(generatedExport(seed), BOUNDARY)
      if (!result.ok) throw new Error(`seed ${seed}: ${result.message}`)
      const {rows, duplicatesDropped} = result.result as {rows: number; duplicatesDropped: number}
      dropped += duplicatesDropped
      kept += rows
      for (const name of await readdir(dir)) await rm(join(dir, name))
    }
    expect(dropped).toBeGreaterThan(10)
    expect(kept).toBeGreaterThan(100)
  })

  it.each([1, 2, 3])('without a JOB_RUN_DATE column every row with a JOB_ID is compared (seed %i)', async (seed) => {
    await expectSameMerge(generatedExport(seed, {runDate: false}), BOUNDARY)
  })

  it('without boundary days, only rows without a day are compared across windows', async () => {
    await expectSameMerge(generatedExport(7))
  })

  it('parts larger than the read and gunzip chunks (rows and repeats across chunk boundaries)', async () => {
    const parts = generatedExport(11, {rowsPerPart: 60_000, exactRows: true}).map((part, i) => ({...part, gzip: i % 2 === 0}))
    // Over the 1 MB read chunk of a plain part and the 256 KB gunzip chunk of a gzip one.
    expect(parts.some((part) => part.gzip === false && Buffer.byteLength(part.text) > 1024 * 1024)).toBe(true)
    expect(parts.some((part) => part.gzip !== false && Buffer.byteLength(part.text) > 1024 * 1024)).toBe(true)
    await expectSameMerge(parts, BOUNDARY)
  })

  it('one window: nothing is dropped, even rows that repeat', async () => {
    const parts = generatedExport(5).map((part) => ({...part, window: 0}))
    const result = await expectSameMerge(parts, BOUNDARY)
    expect(result.ok && (result.result as {duplicatesDropped: number}).duplicatesDropped).toBe(0)
  })

  it('no parts: the 48 standard columns', async () => {
    await expectSameMerge([])
  })

  const header = 'JOB_ID,JOB_RUN_DATE,PROJECT_NAME,TOTAL_CREDITS'
  it.each<[string, PartText[]]>([
    ['a header that differs', [{text: `${header}\na,2024-11-10,w,1\n`, window: 0}, {text: 'JOB_ID,JOB_RUN_DATE,PROJECT,TOTAL_CREDITS\nb,2024-11-10,w,1\n', window: 0}]],
    ['a header with a column more', [{text: `${header}\n`, window: 0}, {text: `${header},GPU\n`, window: 0}]],
    ['a ragged row', [{text: `${header}\na,2024-11-10,w,1\nb,2024-11-10,1\n`, window: 0}]],
    ['a ragged row in part 2 and a header mismatch in part 3', [
      {text: `${header}\na,2024-11-10,w,1\n`, window: 0},
      {text: `${header}\nb,2024-11-10,w,1,9\n`, window: 0},
      {text: 'X\n1\n', window: 0},
    ]],
    ['a header mismatch in part 2 and a ragged row after it', [{text: `${header}\n`, window: 0}, {text: 'A,B\n1,2,3\n', window: 0}]],
    ['an empty part', [{text: `${header}\n`, window: 0}, {text: '', window: 0}]],
    ['a part of blank lines only', [{text: '\n\r\n\n', window: 0}]],
    ['a quote never closed', [{text: `${header}\na,2024-11-10,"open,1\nb,2024-11-10,w,1\n`, window: 0}]],
    ['a quote never closed in the header', [{text: `"JOB_ID,X\n`, window: 0}]],
    ['Latin-1 bytes', [{text: Buffer.from(`${header}\na,2024-11-10,caf\xe9,1\n`, 'latin1'), window: 0}]],
    ['a character cut at the end', [{text: Buffer.concat([Buffer.from(`${header}\na,2024-11-10,w,1\nb,2024-11-10,x`), Buffer.from([0xe2, 0x82])]), window: 0}]],
    ['a field over 1 MB', [{text: `${header}\na,2024-11-10,"${'z'.repeat(1_100_000)}",1\n`, window: 0}]],
    ['no JOB_ID with two windows', [{text: 'JOB_RUN_DATE,X\n2024-12-01,1\n', window: 0}, {text: 'JOB_RUN_DATE,X\n2024-12-01,1\n', window: 1}]],
    ['no JOB_ID with one window (accepted)', [{text: 'JOB_RUN_DATE,X\n2024-12-01,1\n', window: 0}, {text: 'JOB_RUN_DATE,X\n2024-12-01,1\n', window: 0}]],
  ])('%s: the same outcome', async (_name, parts) => {
    await expectSameMerge(parts, BOUNDARY)
  })

  it("a header that differs in another window's job: advice to export the windows apart, not to rerun", async () => {
    const parts = [{text: `${header}\na,2024-11-10,w,1\n`, window: 0}, {text: `${header},GPU_CREDITS\nb,2024-12-10,w,1,0\n`, window: 1}]
    const result = await expectSameMerge(parts, BOUNDARY)
    expect(result).toMatchObject({ok: false, code: 'E_PART_HEADER_MISMATCH'})
    expect(!result.ok && result.message).toMatch(/has an extra column GPU_CREDITS \(column 5\); .* export each window \(at most 31 days\) into its own --out folder and give report every usage\.csv/)
  })

  it("a part that differs from its own job's first part in a later window: that window's job is refetched, no advice", async () => {
    const parts = [
      {text: `${header}\na,2024-11-10,w,1\n`, window: 0},
      {text: `${header}\nc,2024-12-11,w,1\n`, window: 1},
      {text: `${header},GPU_CREDITS\nb,2024-12-10,w,1,0\n`, window: 1},
    ]
    const result = await expectSameMerge(parts, BOUNDARY)
    expect(result).toMatchObject({ok: false, code: 'E_PART_HEADER_MISMATCH'})
    expect(!result.ok && result.message).toMatch(/has an extra column GPU_CREDITS \(column 5\); its columns differ from its job's first part, .* Rerun the export\.$/)
  })

  it('a truncated gzip part: the same refusal', async () => {
    const whole = gzipSync(`${header}\n` + 'a,2024-11-10,web,10\n'.repeat(5000))
    const path = join(dir, 'cut.csv.gz')
    await writeFile(path, whole.subarray(0, whole.length - 20))
    const options = {parts: [{path, label: 'part 1 of 1 of job j', window: 0}], emptyHeader: USAGE_COLUMNS}
    const legacy = await outcome(legacyMergeParts, options, 'legacy')
    expect(legacy).toMatchObject({ok: false, code: 'E_PART_CORRUPT'})
    expect(await outcome(mergeParts, options, 'single')).toEqual(legacy)
  })
})

const golden = haveGoldenExport('the golden merge-equivalence test')
const maybe = golden ? it : it.skip

describe('on the golden export', () => {
  function goldenLines(): {header: string; rows: string[]} {
    const text = gunzipSync(readFileSync(GOLDEN_EXPORT)).toString('utf8')
    const lines = text.split('\n')
    if (lines.at(-1) === '') lines.pop()
    return {header: lines[0], rows: lines.slice(1)}
  }

  maybe('split into 4 gzip parts of one window', async () => {
    const {header, rows} = goldenLines()
    const quarter = Math.ceil(rows.length / 4)
    const parts = [0, 1, 2, 3].map((i) => ({text: [header, ...rows.slice(i * quarter, (i + 1) * quarter)].join('\n') + '\n', window: 0}))
    const result = await expectSameMerge(parts)
    expect(result.ok && (result.result as {rows: number}).rows).toBe(1260)
  })

  maybe('as two overlapping windows of two parts each (boundary rows in both), one in CRLF', async () => {
    const {header, rows} = goldenLines()
    const dateIndex = header.split(',').indexOf('JOB_RUN_DATE')
    const day = (row: string) => row.split(',')[dateIndex]
    const boundary = ['2024-11-13', '2024-11-14', '2024-11-15']
    const first = rows.filter((row) => day(row) <= '2024-11-14')
    const second = rows.filter((row) => day(row) >= '2024-11-13')
    const halves = (list: string[]) => [list.slice(0, list.length >> 1), list.slice(list.length >> 1)]
    const parts: PartText[] = [
      ...halves(first).map((chunk) => ({text: [header, ...chunk].join('\n') + '\n', window: 0})),
      ...halves(second).map((chunk) => ({text: [header, ...chunk].join('\r\n') + '\r\n', window: 1})),
    ]
    const result = await expectSameMerge(parts, boundary)
    if (!result.ok) throw new Error(result.message)
    const {rows: merged, duplicatesDropped} = result.result as {rows: number; duplicatesDropped: number}
    expect(duplicatesDropped).toBeGreaterThan(0)
    expect(merged + duplicatesDropped).toBe(first.length + second.length)
  })
})
