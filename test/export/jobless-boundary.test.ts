/**
 * A row without a JOB_ID (a job-less row: storage or network credits) whose run time falls on a window
 * boundary is served by both windows, as the API's bounds are inclusive. It cannot be told apart by JOB_ID, so
 * the byte-identical repeat in the later window is the one to drop; same-window copies are kept.
 */
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {gunzipSync} from 'node:zlib'

import {USAGE_COLUMNS} from '../../src/core/usage-columns.js'
import {GOLDEN_EXPORT as golden, haveGoldenExport} from '../helpers/repo.js'
import {mergeParts} from '../../src/export/merge.js'
import {csvLines, harness, type Harness} from './helpers.js'

let h: Harness | undefined
let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cci-jobless-'))
})
afterEach(async () => {
  await h?.close()
  h = undefined
  await rm(dir, {recursive: true, force: true})
})

// Windows [09-25, 10-26) and [10-26, 11-19): 2024-10-26T00:00Z is in both (inclusive bounds).
const twoWindows = {start: new Date('2024-09-25T00:00:00Z'), end: new Date('2024-11-19T00:00:00Z')}

/** The golden file's first rows moved to the boundary day; `jobless` of them lose their JOB_ID and start time. */
async function boundaryDataset(jobless: number[]): Promise<{file: string; header: string[]; rows: string[]}> {
  const [headerLine, ...lines] = gunzipSync(await readFile(golden)).toString('utf8').split('\n')
  const header = headerLine.split(',')
  const col = (name: string) => header.indexOf(name)
  const rows = lines.slice(0, 6).map((line, i) => {
    const fields = line.split(',')
    fields[col('JOB_RUN_DATE')] = '2024-10-26'
    fields[col('JOB_RUN_STARTED_AT')] = i < 3 ? '\\\\N' : '2024-10-26 07:00:00.000'
    if (jobless.includes(i)) fields[col('JOB_ID')] = '\\\\N'
    return fields.join(',')
  })
  const file = join(dir, 'boundary.csv')
  await writeFile(file, [headerLine, ...rows].join('\n') + '\n')
  return {file, header, rows}
}

describe('a row without a JOB_ID on a window boundary', () => {
  it('is exported once, not once per window', async () => {
    if (!haveGoldenExport('the job-less boundary row test')) return
    const data = await boundaryDataset([0, 1])
    h = await harness({dataset: {file: data.file}, parts: 2})
    const result = await h.run({range: twoWindows})
    const {rows} = await csvLines(join(h.out, 'usage.csv'))
    // Rows 0-2 start at the boundary instant (served twice), rows 3-5 later that day (served once).
    expect([...rows].sort()).toEqual([...data.rows].sort())
    expect(result).toMatchObject({rows: 6, duplicatesDropped: 3})
  })

  it('keeps identical job-less rows of one window, and drops only as many repeats as the earlier window held', async () => {
    const header = 'JOB_ID,JOB_RUN_DATE,PROJECT_NAME,TOTAL_CREDITS'
    const write = async (name: string, text: string) => {
      const path = join(dir, `${name}.csv`)
      await writeFile(path, text)
      return path
    }
    const parts = [
      {path: await write('w1', `${header}\n\\N,2024-12-01,web,5\n\\N,2024-12-01,web,5\na,2024-12-01,web,1\n`), label: 'w1', window: 0},
      {path: await write('w2', `${header}\n\\N,2024-12-01,web,5\n\\N,2024-12-01,web,5\n\\N,2024-12-01,web,5\n\\N,2024-12-02,api,7\na,2024-12-01,web,1\n`), label: 'w2', window: 1},
    ]
    const out = join(dir, 'usage.csv')
    const result = await mergeParts({parts, outPath: out, boundaryDays: ['2024-11-30', '2024-12-01', '2024-12-02'], emptyHeader: USAGE_COLUMNS})
    expect(result).toMatchObject({rows: 5, duplicatesDropped: 3, partRows: [3, 2]})
    const lines = (await readFile(out, 'utf8')).trim().split('\n').slice(1)
    expect(lines).toEqual(['\\N,2024-12-01,web,5', '\\N,2024-12-01,web,5', 'a,2024-12-01,web,1', '\\N,2024-12-01,web,5', '\\N,2024-12-02,api,7'])
  })
})
