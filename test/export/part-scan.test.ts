/**
 * The part scan (issue 15): however the decompressed bytes arrive (HTTP and gunzip cut them anywhere), the plain
 * CSV and what the scan records are the same, and each recorded repeat candidate is exactly its row's bytes.
 */
import {existsSync} from 'node:fs'
import {mkdtemp, readFile, readdir, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'

import {PartScanner, ROW_KEY_PREFIX, type PartScan} from '../../src/export/part-scan.js'
import {BOUNDARY, generatedExport} from './generated-parts.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cci-scan-'))
})
afterEach(async () => {
  await rm(dir, {recursive: true, force: true})
})

const options = {label: 'part 1 of 1 of job j', boundaryDays: BOUNDARY, collectRepeats: true}

function* chunks(bytes: Buffer, size: number | 'random'): Generator<Buffer> {
  let seed = bytes.length
  for (let at = 0; at < bytes.length; ) {
    seed = (seed * 1103515245 + 12345) % 2147483648
    const take = size === 'random' ? 1 + (seed % 300) : size
    yield bytes.subarray(at, at + take)
    at += take
  }
}

async function scan(bytes: Buffer, size: number | 'random', name: string): Promise<{plain: Buffer; scan: PartScan}> {
  const plainPath = join(dir, `${name}.csv`)
  const scanner = new PartScanner(plainPath, options)
  await pipeline(Readable.from(chunks(bytes, size)), scanner)
  const result = await scanner.commit()
  return {plain: await readFile(plainPath), scan: result}
}

describe('PartScanner', () => {
  const parts = [1, 2, 3, 4].flatMap((seed) => generatedExport(seed)).filter((part) => part.text.length > 200)

  it.each([1, 2, 3, 7, 64, 4096, 'random' as const])('gives the same plain CSV and scan in chunks of %s bytes', async (size) => {
    for (const [i, part] of parts.entries()) {
      const bytes = Buffer.from(part.text)
      const whole = await scan(bytes, bytes.length, `whole-${i}`)
      const cut = await scan(bytes, size, `cut-${i}`)
      expect(cut.plain.equals(whole.plain)).toBe(true)
      expect(cut.scan).toEqual(whole.scan)
    }
  })

  it('records each candidate as its row: the bytes from its JOB_ID to its LF', async () => {
    let candidates = 0
    for (const [i, part] of parts.entries()) {
      const {plain, scan: result} = await scan(Buffer.from(part.text), 'random', `p${i}`)
      expect(result.csvBytes).toBe(plain.length)
      expect(result.headerLine).toMatch(/^(?!\uFEFF)[^\r\n]*JOB_ID[^\r\n]*$/i)
      for (const [jobId, start, end] of result.candidates) {
        const row = plain.subarray(start, end).toString('utf8')
        expect(row.endsWith('\n')).toBe(true)
        expect(row.endsWith('\r\n')).toBe(false)
        // A row without a JOB_ID is keyed by its own bytes.
        if (jobId.startsWith(ROW_KEY_PREFIX)) expect(row).toBe(`${jobId.slice(1)}\n`)
        else expect(row.startsWith(jobId) || row.startsWith(`"${jobId}"`)).toBe(true)
        expect(start === 0 || plain[start - 1] === 10).toBe(true)
        candidates++
      }
    }
    expect(candidates).toBeGreaterThan(50)
  })

  it('records no candidate for a single window', async () => {
    const plainPath = join(dir, 'one.csv')
    const scanner = new PartScanner(plainPath, {...options, collectRepeats: false})
    await pipeline(Readable.from([Buffer.from(parts[0].text)]), scanner)
    expect((await scanner.commit()).candidates).toEqual([])
  })

  it('records a content problem without failing the stream, so the gzip check still runs to the end', async () => {
    const plainPath = join(dir, 'bad.csv')
    const scanner = new PartScanner(plainPath, options)
    const text = 'JOB_ID,JOB_RUN_DATE\na,2024-12-01\nb\n' + 'c,2024-12-01\n'.repeat(1000)
    await pipeline(Readable.from(chunks(Buffer.from(text), 64)), scanner)
    const result = await scanner.commit()
    expect(result.error).toEqual({
      code: 'E_PART_RAGGED_ROW',
      message: 'part 1 of 1 of job j, line 3: 1 fields where the header has 2; the export is damaged, rerun it (nothing was written).',
    })
    expect(result.csvBytes).toBe((await readFile(plainPath)).length)
  })

  it('a row with a field too many says a rerun may bring it back (a name holding a comma), one too few does not', async () => {
    const plainPath = join(dir, 'comma.csv')
    const scanner = new PartScanner(plainPath, options)
    await pipeline(Readable.from([Buffer.from('JOB_ID,VCS_BRANCH,JOB_RUN_DATE\na,main,2024-12-01\nb,fix,typo,2024-12-01\n')]), scanner)
    expect((await scanner.commit()).error).toEqual({
      code: 'E_PART_RAGGED_ROW',
      message:
        'part 1 of 1 of job j, line 3: 4 fields where the header has 3; the export is damaged, rerun it (nothing was written). ' +
        'If the rerun brings the same line back, a value in it holds a comma the export did not escape (\\,).',
    })
  })

  it('abort leaves no file behind', async () => {
    const scanner = new PartScanner(join(dir, 'gone.csv'), options)
    scanner.write(Buffer.from('A,B\n1,2\n'))
    await scanner.abort()
    expect(await readdir(dir)).toEqual([])
    expect(existsSync(join(dir, 'gone.csv'))).toBe(false)
  })
})
