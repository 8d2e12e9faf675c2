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
import {legacyMergeParts} from './legacy-merge.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cci-equiv-'))
})
afterEach(async () => {
  await rm(dir, {recursive: true, force: true})
})

interface PartText {
  text: string | Buffer
  window: number
  gzip?: boolean
}

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

/** mulberry32: deterministic data for each seed. */
function rng(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const BOUNDARY = ['2024-11-30', '2024-12-01', '2024-12-02']

/**
 * Several windows of several parts in the shapes a merge must survive: a BOM, header names in other case and
 * with spaces, CRLF and mixed line ends, blank lines, RFC 4180 quoting with commas, doubled quotes and line
 * breaks (LF and CRLF) inside fields, null JOB_IDs and days, days with a time, rows repeated across a window
 * boundary (sometimes with other line ends), repeats within one window and on non-boundary days (both kept),
 * UTF-8 beyond ASCII, header-only parts and a last line without terminator.
 */
function generatedExport(seed: number, options: {runDate?: boolean; rowsPerPart?: number} = {}): PartText[] {
  const random = rng(seed)
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]
  const runDate = options.runDate ?? true
  const names = runDate ? ['JOB_ID', 'JOB_RUN_DATE', 'PROJECT_NAME', 'TOTAL_CREDITS'] : ['JOB_ID', 'PROJECT_NAME', 'TOTAL_CREDITS']
  const windows = 2 + Math.floor(random() * 2)
  const rowsPerPart = options.rowsPerPart ?? 25
  const earlier: string[][] = []
  const parts: PartText[] = []
  let next = 0
  for (let window = 0; window < windows; window++) {
    const partCount = 1 + Math.floor(random() * 3)
    for (let p = 0; p < partCount; p++) {
      const crlf = random() < 0.3
      const end = () => (crlf || random() < 0.05 ? '\r\n' : '\n')
      let header = names.map((name) => (random() < 0.2 ? ` ${name.toLowerCase()} ` : name)).join(',')
      if (random() < 0.2) header = `\uFEFF${header}`
      let text = random() < 0.1 ? end() : ''
      text += header + end()
      const rows = random() < 0.1 ? 0 : Math.floor(random() * rowsPerPart)
      for (let r = 0; r < rows; r++) {
        if (random() < 0.05) {
          text += end()
          continue
        }
        let fields: string[]
        const roll = random()
        if (roll < 0.2 && earlier.length > 0) {
          // A row an earlier part already has (boundary overlap, or a repeat that must be kept).
          fields = [...pick(earlier)]
        } else {
          const day = roll < 0.5 ? pick(BOUNDARY) : pick(['2024-11-10', '2024-11-20', '2024-12-15', '\\N', '', '2024-12-01 10:00:00'])
          const jobId = random() < 0.08 ? pick(['', '\\N', '\\\\N']) : random() < 0.1 ? `"job-${next++}"` : `job-${next++}`
          const project = pick(['web', '"web, api"', '"say ""hi"""', '"two\nlines"', '"crlf\r\ninside"', 'café', 'ünïcode-😀', '\\\\N'])
          fields = runDate ? [jobId, day, project, String(Math.floor(random() * 100))] : [jobId, project, String(Math.floor(random() * 100))]
        }
        earlier.push(fields)
        text += fields.join(',')
        if (r < rows - 1 || random() < 0.8) text += end()
      }
      if (!text.endsWith('\n') && random() < 0.5) text += end()
      parts.push({text, window, gzip: random() < 0.8})
    }
  }
  return parts
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
    const parts = generatedExport(11, {rowsPerPart: 12_000})
    expect(parts.some((part) => Buffer.byteLength(part.text) > 300 * 1024)).toBe(true)
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
