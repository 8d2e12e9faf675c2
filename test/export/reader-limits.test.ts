/**
 * Issue 10 item 8 on the export side: the merge's reader names a field over the line limit and a file that is
 * not UTF-8, with the line, and never holds an unclosed quote's whole file in memory.
 */
import {mkdtemp, readdir, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'

import {USAGE_COLUMNS} from '../../src/core/usage-columns.js'
import {mergeParts} from '../../src/export/merge.js'
import {CsvFormatError, RecordSplitter} from '../../src/export/records.js'
import {Utf8Validator} from '../../src/export/utf8.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cci-reader-'))
})
afterEach(async () => {
  await rm(dir, {recursive: true, force: true})
})

function splitAll(bytes: Buffer, chunkSize: number, maxRecordBytes?: number): number {
  let records = 0
  const splitter = new RecordSplitter({record: () => void records++}, maxRecordBytes)
  for (let i = 0; i < bytes.length; i += chunkSize) splitter.push(bytes.subarray(i, i + chunkSize))
  splitter.end()
  return records
}

describe('RecordSplitter line limit', () => {
  const big = (size: number) => Buffer.from(`A,B\n1,2\n3,"${'x'.repeat(size)}"\n4,5\n`)

  it.each([64, 4096, 1 << 20])('refuses a quoted field over the limit at its line (chunks of %i bytes)', (chunk) => {
    expect(() => splitAll(big(3000), chunk, 1000)).toThrow(new CsvFormatError(3, 'a field longer than 1 KB (export rows are about 1 KB; a quote may never be closed)'))
  })

  it('stops an unclosed quote at the limit instead of carrying the rest of the file', () => {
    const unclosed = Buffer.concat([Buffer.from('A,B\n1,"open\n'), Buffer.alloc(5 << 20, 'y\n')])
    let error: unknown
    try {
      splitAll(unclosed, 64 * 1024)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(CsvFormatError)
    expect((error as CsvFormatError).line).toBe(2)
    expect((error as Error).message).toMatch(/^a field longer than 1 MB/)
  })

  it('accepts records up to the limit', () => {
    expect(splitAll(big(900), 100, 1000)).toBe(4)
  })
})

describe('Utf8Validator', () => {
  const text = Buffer.from('ab\nc€d\n😀\né\n')

  it.each([1, 2, 3, 5, 64])('accepts UTF-8 split anywhere (chunks of %i bytes)', (size) => {
    const validator = new Utf8Validator()
    for (let i = 0; i < text.length; i += size) expect(validator.check(text.subarray(i, i + size))).toBe(-1)
    expect(validator.endsInsideCharacter()).toBe(false)
  })

  it('finds the first Latin-1 byte, and a character cut at the end', () => {
    const latin1 = Buffer.from('abc\ncaf\xe9\n', 'latin1')
    expect(new Utf8Validator().check(latin1)).toBe(7)
    const cut = new Utf8Validator()
    expect(cut.check(Buffer.from([0x61, 0xe2, 0x82]))).toBe(-1)
    expect(cut.endsInsideCharacter()).toBe(true)
  })
})

describe('mergeParts reader messages', () => {
  const header = USAGE_COLUMNS.join(',')
  const row = (project: string) => USAGE_COLUMNS.map((name) => (name === 'PROJECT_NAME' ? project : name === 'TOTAL_CREDITS' ? '1' : '\\\\N')).join(',')

  async function mergeFailure(text: Buffer) {
    const path = join(dir, 'p1.csv.gz')
    await writeFile(path, gzipSync(text))
    const outPath = join(dir, 'usage.csv')
    const error = await mergeParts({parts: [{path, label: 'part 1 of 1 of job j', window: 0}], outPath, emptyHeader: USAGE_COLUMNS}).then(
      () => undefined,
      (caught: unknown) => caught as {code: string; message: string},
    )
    // Nothing half-written is left beside the output.
    expect(await readdir(dir)).toEqual(['p1.csv.gz'])
    return error!
  }

  it('names a part that is not UTF-8, with the line', async () => {
    const text = Buffer.from([header, row('api'), row('web'), row('caf\xe9'), row('x')].join('\n') + '\n', 'latin1')
    expect(await mergeFailure(text)).toMatchObject({
      code: 'E_PART_NOT_UTF8',
      message: 'part 1 of 1 of job j, line 4: the file is not UTF-8 (as the Usage API writes it); rerun the export.',
    })
  })

  it('names a field longer than 1 MB, with the line', async () => {
    const text = Buffer.from([header, row('api'), row(`"${'z'.repeat(1_100_000)}"`), row('x')].join('\n') + '\n')
    expect(await mergeFailure(text)).toMatchObject({
      code: 'E_PART_BAD_CSV',
      message: 'part 1 of 1 of job j, line 3: a field longer than 1 MB (export rows are about 1 KB; a quote may never be closed); rerun the export.',
    })
  })
})
