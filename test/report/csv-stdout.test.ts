/** `report --format csv` on stdout carries the same figures as by-project.csv, avg_job_minutes included. */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {parseString} from 'fast-csv'

import {generateReport} from '../../src/report/index.js'
import {renderSummary} from '../../src/report/render.js'
import {exportCsv, job, NULL, tempDir, writeFixture} from './fixtures.js'

const clock = () => new Date('2024-11-20T00:00:00Z')

async function parseCsv(text: string): Promise<Record<string, string>[]> {
  const rows: Record<string, string>[] = []
  await new Promise<void>((resolve, reject) => {
    parseString(text, {headers: true}).on('data', (row: Record<string, string>) => rows.push(row)).on('error', reject).on('end', () => resolve())
  })
  return rows
}

describe('report --format csv on stdout', () => {
  it('fills avg_job_minutes like by-project.csv, skipping rows without a run time, and for the roll-up too', async () => {
    const dir = tempDir()
    const input = writeFixture(
      dir,
      'usage.csv',
      exportCsv([
        job({PROJECT_NAME: 'api', JOB_RUN_SECONDS: 60, TOTAL_CREDITS: 50}),
        job({PROJECT_NAME: 'api', JOB_RUN_SECONDS: 180, TOTAL_CREDITS: 50}),
        job({PROJECT_NAME: 'api', JOB_RUN_SECONDS: NULL, TOTAL_CREDITS: 1}),
        job({PROJECT_NAME: 'web', JOB_RUN_SECONDS: 90, TOTAL_CREDITS: 20}),
        job({PROJECT_NAME: 'docs', JOB_RUN_SECONDS: 30, TOTAL_CREDITS: 5}),
        job({PROJECT_NAME: 'tools', JOB_RUN_SECONDS: 150, TOTAL_CREDITS: 4}),
      ]),
    )
    const outDir = join(dir, 'out')
    const {summary} = await generateReport({inputs: [input], outDir, top: 2}, {clock})
    // The project table is the first CSV section of stdout (job statuses follow after an empty line).
    const stdout = await parseCsv((await renderSummary(summary, 'csv')).split('\n\n')[0])
    const file = await parseCsv(readFileSync(join(outDir, 'by-project.csv'), 'utf8'))
    expect(stdout.map((row) => [row.project, row.avg_job_minutes])).toEqual([
      ['api', '2'],
      ['web', '1.5'],
      // docs and tools rolled up: (30 s + 150 s) / 2 runs = 1.5 min.
      ['(other)', '1.5'],
    ])
    for (const row of stdout.slice(0, 2)) expect(row).toEqual(file.find((fileRow) => fileRow.project === row.project))
    expect(summary.breakdowns.project.map((bucket) => bucket.avgJobMinutes)).toEqual([2, 1.5, 1.5])
  })
})
