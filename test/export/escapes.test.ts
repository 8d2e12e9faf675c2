/**
 * The export escapes a comma, a line break or a backslash inside a name with a backslash (core/export-escapes.ts):
 * `build (x86\, linux)` is one field. Splitting at that comma made the row a field too many, so the merge stopped
 * the export ("rerun it") and every rerun brought the same row back.
 */
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Readable, Writable} from 'node:stream'
import {pipeline} from 'node:stream/promises'

import {unescapeText} from '../../src/core/export-escapes.js'
import {resolveRange} from '../../src/export/windows.js'
import {PartScanner} from '../../src/export/part-scan.js'
import {fieldText} from '../../src/export/records.js'
import {EscapeQuoter} from '../../src/analysis/escaped-inputs.js'
import {buildReportSummary} from '../../src/analysis/index.js'
import {ChunkedOutput} from '../../src/export/chunked-output.js'
import {field, goldenLines, withFields, writeCsv} from '../load/fixtures.js'
import {haveGoldenExport} from '../helpers/repo.js'
import {harness, splitInChunks, type Harness} from './helpers.js'

function split(text: string, chunkSize: number) {
  return splitInChunks(text, chunkSize, (buf, start, contentEnd, _next, separators, fieldCount, line) => ({
    fields: Array.from({length: fieldCount}, (_, index) => fieldText(buf, start, contentEnd, separators, fieldCount, index)),
    line,
  }))
}

/** One backslash: the tests spell the export's escapes with it, as the file holds them. */
const B = '\\'

/** The export's escapes, and what the other readers tell apart: RFC 4180 quotes, a bare quote, CRLF, no last LF. */
const LINES = [
  'ID,NAME,N',
  `j1,build (x86${B}, linux),1`,
  `j2,ends in a backslash${B}${B},2`,
  `j3,${B}${B}N,3`,
  `j4,line${B}`,
  'break,4',
  'j5,"quoted, as RFC 4180",5',
  `j6,odd${B}${B}${B},run,6`,
  `j7,say "hi${B}, there",7\r`,
  `j8,last${B},line,8`,
]

describe('RecordSplitter with the export escapes', () => {
  const text = `${LINES.join('\n')}\n`

  it.each([1, 2, 3, 7, 1024])('does not split at an escaped comma or line break (chunks of %i bytes)', (size) => {
    expect(split(text, size)).toEqual([
      {fields: ['ID', 'NAME', 'N'], line: 1},
      {fields: ['j1', `build (x86${B}, linux)`, '1'], line: 2},
      {fields: ['j2', `ends in a backslash${B}${B}`, '2'], line: 3},
      {fields: ['j3', `${B}${B}N`, '3'], line: 4},
      {fields: ['j4', `line${B}\nbreak`, '4'], line: 5},
      {fields: ['j5', 'quoted, as RFC 4180', '5'], line: 7},
      {fields: ['j6', `odd${B}${B}${B},run`, '6'], line: 8},
      {fields: ['j7', `say "hi${B}, there"`, '7'], line: 9},
      {fields: ['j8', `last${B},line`, '8'], line: 10},
    ])
  })

  it('unescapes a name: a backslash and the byte after it become that byte', () => {
    expect(unescapeText(`build (x86${B}, linux)`)).toBe('build (x86, linux)')
    expect(unescapeText(`a${B}${B}b`)).toBe(`a${B}b`)
    expect(unescapeText(`odd${B}${B}${B},run`)).toBe(`odd${B},run`)
    expect(unescapeText(`line${B}\nbreak`)).toBe('line\nbreak')
    expect(unescapeText('plain')).toBe('plain')
  })
})

describe('an escaped line break in a file with CRLF line ends', () => {
  // A file whose line ends were turned into CRLF (re-saved on Windows, which the readers accept) holds an escaped
  // line break as a backslash before CR LF. No record can end in an escaped CR (the last column is a number), so
  // it is the name's line break: splitting there made the row two ragged halves in the merge and the load.
  const text = `ID,NAME,N\r\nj1,line${B}\r\nbreak,1\r\nj2,plain,2\r\n`

  it.each([1, 2, 3, 7, 1024])('does not split there (chunks of %i bytes)', (size) => {
    expect(split(text, size)).toEqual([
      {fields: ['ID', 'NAME', 'N'], line: 1},
      {fields: ['j1', `line${B}\r\nbreak`, '1'], line: 2},
      {fields: ['j2', 'plain', '2'], line: 4},
    ])
  })

  it('is quoted whole in the copy DuckDB reads', () => {
    const written: Buffer[] = []
    const output = new ChunkedOutput(new Writable({write: (chunk: Buffer, _encoding, done) => (written.push(Buffer.from(chunk)), done())}))
    const quoter = new EscapeQuoter(output)
    quoter.push(Buffer.from(text))
    quoter.end()
    output.flush()
    expect(Buffer.concat(written).toString()).toBe(`ID,NAME,N\r\nj1,"line${B}\r\nbreak",1\r\nj2,plain,2\r\n`)
  })
})

describe('the part scan with an escaped comma', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cci-escapes-'))
  })
  afterEach(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('accepts the row and keeps its bytes', async () => {
    const text = 'JOB_ID,JOB_NAME,JOB_RUN_DATE\na,build (x86\\, linux),2024-12-01\nb,a\\\\b,2024-12-01\n'
    const plainPath = join(dir, 'part.csv')
    const scanner = new PartScanner(plainPath, {label: 'part 1 of 1 of job j', boundaryDays: ['2024-12-01'], collectRepeats: true})
    await pipeline(Readable.from([Buffer.from(text)]), scanner)
    const result = await scanner.commit()
    expect(result.error).toBeUndefined()
    expect(result.rows).toBe(2)
    expect(result.candidates.map(([key]) => key)).toEqual(['a', 'b'])
    expect(await readFile(plainPath, 'utf8')).toBe(text.slice(text.indexOf('\n') + 1))
  })
})

describe('export and report of an export with escaped names (the simulator serves them)', () => {
  const maybe = haveGoldenExport('the escaped export test') ? it : it.skip
  let h: Harness | undefined
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cci-escapes-e2e-'))
  })
  afterEach(async () => {
    await h?.close()
    h = undefined
    await rm(dir, {recursive: true, force: true})
  })

  maybe('merges every row in the export\'s bytes, and the report counts every credit under the unescaped names', async () => {
    const golden = goldenLines()
    const withJob = golden.rows.flatMap((row, index) => (field(row, 'JOB_NAME') === `${B}${B}N` ? [] : [index]))
    const rows = [...golden.rows]
    // One in each of the four parts the rows are split into.
    const picked = [withJob[0], withJob[300], withJob[600], withJob.at(-1)!]
    for (const index of picked) rows[index] = withFields(rows[index], {JOB_NAME: `build (x86${B}, linux)`, VCS_BRANCH: `fix${B}${B}path`})
    const file = writeCsv(join(dir, 'escaped.csv'), {header: golden.header, rows})
    h = await harness({dataset: {file}, parts: 4}, '2024-11-20T12:00:00Z')
    const [orgId, ...shared] = h.sim.datasetOrgIds
    const result = await h.run({orgId, sharedOrgIds: shared, range: resolveRange({start: '2024-11-10', end: '2024-11-18'}, h.time.clock())})
    expect(result.rows).toBe(1260)
    const merged = (await readFile(join(h.out, 'usage.csv'), 'utf8')).split('\n').filter((line) => line !== '')
    expect(merged.slice(1).sort()).toEqual([...rows].sort())

    const {summary} = await buildReportSummary({inputs: [join(h.out, 'usage.csv')], top: 10_000}, h.time.clock)
    expect(summary.totals.rows).toBe(1260)
    expect(summary.totals.credits.total).toBe(532_406)
    const build = summary.breakdowns.job.filter((bucket) => bucket.dims.job === 'build (x86, linux)')
    const expected = picked.reduce((sum, index) => sum + Number(field(golden.rows[index], 'TOTAL_CREDITS')), 0)
    expect(build.reduce((sum, bucket) => sum + bucket.credits, 0)).toBe(expected)
  })
})

describe('the quoted copy DuckDB reads a file with escaped separators through', () => {
  const input = LINES.join('\n')
  const expected = [
    'ID,NAME,N',
    `j1,"build (x86${B}, linux)",1`,
    `j2,ends in a backslash${B}${B},2`,
    `j3,${B}${B}N,3`,
    `j4,"line${B}`,
    'break",4',
    'j5,"quoted, as RFC 4180",5',
    `j6,"odd${B}${B}${B},run",6`,
    `j7,"say ""hi${B}, there""",7\r`,
    `j8,"last${B},line",8`,
  ].join('\n')

  it.each([1, 2, 3, 7, 1024])('quotes exactly the fields holding one, line for line (chunks of %i bytes)', (size) => {
    const written: Buffer[] = []
    const output = new ChunkedOutput(new Writable({write: (chunk: Buffer, _encoding, done) => (written.push(Buffer.from(chunk)), done())}))
    const quoter = new EscapeQuoter(output)
    const bytes = Buffer.from(input)
    for (let at = 0; at < bytes.length; at += size) quoter.push(bytes.subarray(at, at + size))
    quoter.end()
    output.flush()
    // A last line without a line break gets one.
    expect(Buffer.concat(written).toString()).toBe(`${expected}\n`)
    expect(quoter.quotedFields).toBe(5)
  })

  it('quotes a name holding a lone CR (DuckDB takes it for a line end outside quotes), not a CRLF line end', () => {
    const written: Buffer[] = []
    const output = new ChunkedOutput(new Writable({write: (chunk: Buffer, _encoding, done) => (written.push(Buffer.from(chunk)), done())}))
    const quoter = new EscapeQuoter(output)
    quoter.push(Buffer.from(`ID,NAME,N\r\nj1,lone\rcr,1\r\nj2,plain,2\r\n`))
    quoter.end()
    output.flush()
    expect(Buffer.concat(written).toString()).toBe(`ID,NAME,N\r\nj1,"lone\rcr",1\r\nj2,plain,2\r\n`)
    expect(quoter.quotedFields).toBe(1)
  })

  it('copies a file without one as it is, and quotes nothing', () => {
    const written: Buffer[] = []
    const output = new ChunkedOutput(new Writable({write: (chunk: Buffer, _encoding, done) => (written.push(Buffer.from(chunk)), done())}))
    const quoter = new EscapeQuoter(output)
    const plain = `ID,NAME\nj1,${B}${B}N\nj2,a${B}${B}b\n`
    quoter.push(Buffer.from(plain))
    quoter.end()
    output.flush()
    expect(Buffer.concat(written).toString()).toBe(plain)
    expect(quoter.quotedFields).toBe(0)
  })
})
