/**
 * The Usage API's CSV is unquoted, so a name holding a quote arrives bare: `a"b`. A quote opens a quoted field
 * only at the start of a field (RFC 4180, and DuckDB, which the report reads the export with); inside an unquoted
 * field it is a character of the name. Taken as a quote, one such name made the record run on into the next line:
 * two rows read as one (the next row's JOB_ID hidden from de-duplication), or a file the report reads refused.
 */
import {fieldText} from '../../src/export/records.js'
import {splitInChunks} from './helpers.js'

function split(text: string, chunkSize: number) {
  return splitInChunks(text, chunkSize, (buf, start, contentEnd, _next, separators, fieldCount, line) => ({
    fields: Array.from({length: fieldCount}, (_, index) => fieldText(buf, start, contentEnd, separators, fieldCount, index)),
    line,
  }))
}

describe('RecordSplitter with bare quotes inside unquoted fields', () => {
  const text = 'ID,NAME,N\nj1,a"b,1\nj2,c"d,2\nj3,q" x="y,3\nj4,"quoted, ""doubled""",4\nj5,"x""",5\n'
  it.each([1, 3, 7, 1024])('reads each as a character of its field, one record per line (chunks of %i bytes)', (size) => {
    expect(split(text, size)).toEqual([
      {fields: ['ID', 'NAME', 'N'], line: 1},
      {fields: ['j1', 'a"b', '1'], line: 2},
      {fields: ['j2', 'c"d', '2'], line: 3},
      {fields: ['j3', 'q" x="y', '3'], line: 4},
      {fields: ['j4', 'quoted, "doubled"', '4'], line: 5},
      {fields: ['j5', 'x"', '5'], line: 6},
    ])
  })

  it('still refuses a quoted field that never closes', () => {
    expect(() => split('A,B\n1,x"y\n2,"open\n3,4\n', 4)).toThrow(/line 3|never closed/)
  })
})
