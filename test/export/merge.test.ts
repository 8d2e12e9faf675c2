import {mkdtemp, readFile, rm, writeFile, readdir} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'

import {ApiError} from '../../src/core/errors.js'
import {USAGE_COLUMNS} from '../../src/core/usage-columns.js'
import {mergeParts, type MergePart} from '../../src/export/merge.js'
import {splitInChunks} from './helpers.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cci-merge-'))
})
afterEach(async () => {
  await rm(dir, {recursive: true, force: true})
})

async function part(name: string, text: string, window = 0, gzip = true): Promise<MergePart> {
  const path = join(dir, gzip ? `${name}.csv.gz` : `${name}.csv`)
  await writeFile(path, gzip ? gzipSync(text) : text)
  return {path, label: `part ${name}`, window}
}

/** Splits text fed in arbitrary chunk sizes, to prove records survive any chunk boundary. */
function split(text: string, chunkSize: number) {
  return splitInChunks(text, chunkSize, (buf, start, contentEnd, _next, _separators, fieldCount, line) => ({raw: buf.toString('utf8', start, contentEnd), fields: fieldCount, line}))
}

describe('RecordSplitter', () => {
  const text = 'A,B,C\n1,"x, y",3\r\n2,"say ""hi""",4\n3,"two\nlines",5\n4,\\\\N,6'
  it.each([1, 2, 3, 7, 1024])('splits unquoted, quoted, CRLF and multi-line records (chunks of %i bytes)', (size) => {
    expect(split(text, size)).toEqual([
      {raw: 'A,B,C', fields: 3, line: 1},
      {raw: '1,"x, y",3', fields: 3, line: 2},
      {raw: '2,"say ""hi""",4', fields: 3, line: 3},
      {raw: '3,"two\nlines",5', fields: 3, line: 4},
      {raw: '4,\\\\N,6', fields: 3, line: 6},
    ])
  })

  it('refuses a quote that never closes', () => {
    expect(() => split('A,B\n1,"open\n2,3\n', 4)).toThrow(/never closed/)
  })
})

describe('mergeParts', () => {
  const header = 'JOB_ID,JOB_RUN_DATE,PROJECT_NAME,TOTAL_CREDITS'
  const out = () => join(dir, 'usage.csv')

  it('writes the header once and every row unchanged (quoted fields, CRLF parts, plain and gzip)', async () => {
    const parts = [
      await part('1', `${header}\na,2024-11-10,web,10\nb,2024-11-10,"web, api",20\n`),
      await part('2', `job_id,job_run_date,project_name,total_credits\r\nc,2024-11-11,"say ""hi""",30\r\nd,2024-11-11,"multi\nline",40\r\n`, 0, false),
      await part('3', `${header}\ne,2024-11-12,\\\\N,0`),
    ]
    const result = await mergeParts({parts, outPath: out(), emptyHeader: USAGE_COLUMNS})
    expect(await readFile(out(), 'utf8')).toBe(
      `${header}\na,2024-11-10,web,10\nb,2024-11-10,"web, api",20\nc,2024-11-11,"say ""hi""",30\nd,2024-11-11,"multi\nline",40\ne,2024-11-12,\\\\N,0\n`,
    )
    expect(result).toMatchObject({rows: 5, duplicatesDropped: 0, partRows: [2, 2, 1]})
    expect(result.bytes).toBe((await readFile(out())).length)
  })

  it('refuses a part whose header differs, naming the part and the first differing column', async () => {
    const parts = [
      await part('1', `${header}\na,2024-11-10,web,10\n`),
      await part('2', `JOB_ID,JOB_RUN_DATE,PROJECT,TOTAL_CREDITS\nb,2024-11-10,web,10\n`),
    ]
    const merging = mergeParts({parts, outPath: out(), emptyHeader: USAGE_COLUMNS})
    await expect(merging).rejects.toThrow(ApiError)
    await expect(mergeParts({parts, outPath: out(), emptyHeader: USAGE_COLUMNS})).rejects.toThrow(
      /part 2 has column PROJECT where PROJECT_NAME was expected \(column 3\)/,
    )
    // Nothing half-written is left behind.
    expect((await readdir(dir)).filter((name) => name.includes('usage'))).toEqual([])
  })

  it('refuses a reordered header (same names, different order)', async () => {
    const parts = [
      await part('1', `${header}\n`),
      await part('2', `JOB_RUN_DATE,JOB_ID,PROJECT_NAME,TOTAL_CREDITS\n`),
    ]
    await expect(mergeParts({parts, outPath: out(), emptyHeader: USAGE_COLUMNS})).rejects.toThrow(
      /part 2 has column JOB_RUN_DATE where JOB_ID was expected \(column 1\)/,
    )
  })

  it('refuses a ragged row, naming the part and the line', async () => {
    const parts = [await part('1', `${header}\na,2024-11-10,web,10\nb,2024-11-10,20\n`)]
    await expect(mergeParts({parts, outPath: out(), emptyHeader: USAGE_COLUMNS})).rejects.toThrow(
      /part 1, line 3: 3 fields where the header has 4/,
    )
  })

  it('refuses a truncated gzip part', async () => {
    const path = join(dir, 'cut.csv.gz')
    const whole = gzipSync(`${header}\n` + 'a,2024-11-10,web,10\n'.repeat(1000))
    await writeFile(path, whole.subarray(0, whole.length - 20))
    await expect(mergeParts({parts: [{path, label: 'part 1 of 1 of job j', window: 0}], outPath: out(), emptyHeader: USAGE_COLUMNS})).rejects.toThrow(
      /part 1 of 1 of job j is not a complete gzip file/,
    )
  })

  it('drops rows repeated across a window boundary and counts them, keeping same-window rows', async () => {
    const parts = [
      await part('w1', `${header}\na,2024-11-30,web,1\nb,2024-12-01,web,2\nc,2024-12-02,web,3\n`, 0),
      await part('w2a', `${header}\nb,2024-12-01,web,2\nc,2024-12-02,web,3\n`, 1),
      await part('w2b', `${header}\nd,2024-12-02,web,4\ne,2024-12-20,web,5\n`, 1),
    ]
    const result = await mergeParts({
      parts,
      outPath: out(),
      boundaryDays: ['2024-12-01', '2024-12-02', '2024-12-03'],
      emptyHeader: USAGE_COLUMNS,
    })
    expect(result).toMatchObject({rows: 5, duplicatesDropped: 2, partRows: [3, 0, 2]})
    const lines = (await readFile(out(), 'utf8')).trim().split('\n')
    expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual(['a', 'b', 'c', 'd', 'e'])
  })

  it('writes the 48 standard columns when there are no parts', async () => {
    const result = await mergeParts({parts: [], outPath: out(), emptyHeader: USAGE_COLUMNS})
    const text = await readFile(out(), 'utf8')
    expect(text.trim().split(',')).toHaveLength(48)
    expect(text.startsWith('ORGANIZATION_ID,')).toBe(true)
    expect(result).toMatchObject({rows: 0, duplicatesDropped: 0})
  })

  it('merges header-only parts into a header-only file', async () => {
    const parts = [await part('1', `${header}\n`), await part('2', `${header}\n`)]
    const result = await mergeParts({parts, outPath: out(), emptyHeader: USAGE_COLUMNS})
    expect(await readFile(out(), 'utf8')).toBe(`${header}\n`)
    expect(result.rows).toBe(0)
  })
})
