/** The CSV writer (report/csv.ts) writes byte for byte what fast-csv 5 wrote with the options the tool used. */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {format} from 'fast-csv'

import {csvChunks, csvString, writeCsvAtomic} from '../../src/report/csv.js'
import {tempDir} from './fixtures.js'

async function fastCsv(headers: string[], records: (string | number | null | undefined)[][]): Promise<string> {
  const chunks: string[] = []
  const csv = format({headers, writeHeaders: true, includeEndRowDelimiter: true})
  const done = new Promise<void>((resolve, reject) => {
    csv.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')))
    csv.once('error', reject)
    csv.once('end', resolve)
  })
  for (const record of records) csv.write(record)
  csv.end()
  await done
  return chunks.join('')
}

const TRICKY = ['plain', '', 'a,b', 'say "hi"', '"', 'pipe|d', 'line\nbreak', 'cr\rhere', 'nul\0byte', '"quoted, with comma"', ' spaces ', "'=SUM(A1)", 'ünïcödé ✓', '\t', ';']
const NUMBERS = [0, -1, 1.5, 123456789.123456, 1e21, 1e-7, Number.NaN, -0]

describe('csv writer', () => {
  test('fields of every kind, as fast-csv wrote them', async () => {
    const headers = ['name', 'a,b', 'say "x"', 'n']
    const records = TRICKY.map((text, index) => [text, NUMBERS[index % NUMBERS.length], index % 3 === 0 ? null : text, index % 4 === 0 ? undefined : index])
    expect([...csvChunks(headers, records)].join('')).toBe(await fastCsv(headers, records))
  })

  test('records shorter or longer than the header, and no record at all', async () => {
    const headers = ['a', 'b', 'c']
    const records = [['1'], ['1', '2', '3', '4'], []]
    expect([...csvChunks(headers, records)].join('')).toBe(await fastCsv(headers, records))
    expect(await csvString(headers, [])).toBe(await fastCsv(headers, []))
  })

  test('a file larger than one chunk', async () => {
    const headers = ['project', 'credits', 'note']
    const records = Array.from({length: 20_000}, (_, index) => [`project-${index}`, index * 1.25, TRICKY[index % TRICKY.length]])
    const dir = tempDir()
    await writeCsvAtomic(join(dir, 'big.csv'), headers, records)
    expect(readFileSync(join(dir, 'big.csv'), 'utf8')).toBe(await fastCsv(headers, records))
  })
})
