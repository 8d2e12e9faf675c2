/**
 * The tables after the project table on stdout: credits by team with --teams (item: not only in files), and job
 * statuses with their rows, which add up to the export's rows (golden: 1,260).
 */
import {join} from 'node:path'

import {parseString} from 'fast-csv'

import {generateReport} from '../../src/report/index.js'
import {renderSummary} from '../../src/report/render.js'
import {GOLDEN_EXPORT, haveGoldenExport} from '../helpers/repo.js'
import {exportCsv, job, NULL, tempDir, writeFixture} from './fixtures.js'

const clock = () => new Date('2024-11-20T00:00:00Z')

/** The CSV sections of `--format csv`, each parsed on its own. */
async function csvSections(text: string): Promise<string[][][]> {
  return Promise.all(
    text.split(/\n\n/).map(
      (section) =>
        new Promise<string[][]>((resolve, reject) => {
          const rows: string[][] = []
          parseString(section).on('data', (row: string[]) => rows.push(row)).on('error', reject).on('end', () => resolve(rows))
        }),
    ),
  )
}

async function reportWithTeams(creditPrice: number | null) {
  const dir = tempDir()
  const input = writeFixture(
    dir,
    'usage.csv',
    exportCsv([
      job({PROJECT_NAME: 'api', TOTAL_CREDITS: 60}),
      job({PROJECT_NAME: 'web', TOTAL_CREDITS: 30, JOB_BUILD_STATUS: 'failed'}),
      job({PROJECT_NAME: 'docs', TOTAL_CREDITS: 10, JOB_NAME: NULL, JOB_BUILD_STATUS: NULL}),
    ]),
  )
  const teams = writeFixture(dir, 'teams.yml', 'teams:\n  "=Platform *bold* |x|": [api]\n  frontend: [web]\n')
  return (await generateReport({inputs: [input], outDir: join(dir, 'out'), teamsFile: teams, creditPrice}, {clock})).summary
}

describe('--teams on stdout', () => {
  it('adds a team table (credits, share, USD) to the terminal table', async () => {
    const table = await renderSummary(await reportWithTeams(0.5), 'table')
    const section = table.slice(table.indexOf('Credits by team'))
    expect(section).toMatch(/^Team\s+Credits\s+Share\s+USD$/m)
    expect(section).toMatch(/^=Platform \*bold\* \|x\|\s+60\s+60\.0%\s+\$30\.00$/m)
    expect(section).toMatch(/^frontend\s+30\s+30\.0%\s+\$15\.00$/m)
    expect(section).toMatch(/^unassigned\s+10\s+10\.0%\s+\$5\.00$/m)
  })

  it('adds it to Markdown, with names escaped, and without USD when no price is given', async () => {
    const markdown = await renderSummary(await reportWithTeams(null), 'markdown')
    expect(markdown).toContain('### Credits by team\n\n| Team | Credits | Share |\n| --- | ---: | ---: |\n')
    expect(markdown).toContain('| =Platform \\*bold\\* \\|x\\| | 60 | 60.0% |')
  })

  it('adds it to CSV as its own section (the by-team.csv columns), formula-escaped', async () => {
    const [projects, teams] = await csvSections(await renderSummary(await reportWithTeams(0.5), 'csv'))
    expect(projects[0][0]).toBe('project')
    expect(teams[0]).toEqual(['team', 'credits', 'share_pct', 'jobs', 'rows', 'compute_minutes', 'avg_job_minutes', 'failed_credits', 'failed_jobs', 'dollars'])
    expect(teams.slice(1).map((row) => [row[0], row[1], row[2], row.at(-1)])).toEqual([
      ["'=Platform *bold* |x|", '60', '60', '30'],
      ['frontend', '30', '30', '15'],
      ['unassigned', '10', '10', '5'],
    ])
  })

  it('prints no team table without --teams', async () => {
    const dir = tempDir()
    const input = writeFixture(dir, 'usage.csv', exportCsv([job({})]))
    const {summary} = await generateReport({inputs: [input], outDir: join(dir, 'out')}, {clock})
    for (const format of ['table', 'markdown', 'csv'] as const) expect(await renderSummary(summary, format)).not.toMatch(/Credits by team|^team,/m)
  })
})

describe('job statuses with rows', () => {
  it('count job-less rows in rows, not jobs, in summary.json and every stdout format', async () => {
    const summary = await reportWithTeams(null)
    expect(summary.jobStatuses).toEqual([
      {status: 'success', jobs: 1, credits: 60, rows: 1},
      {status: 'failed', jobs: 1, credits: 30, rows: 1},
      {status: '(none)', jobs: 0, credits: 10, rows: 1},
    ])
    const table = await renderSummary(summary, 'table')
    expect(table).toMatch(/^Status\s+Jobs\s+Rows\s+Credits\s+Share$/m)
    expect(table).toMatch(/^\(none\)\s+0\s+1\s+10\s+10\.0%$/m)
    expect(table).toMatch(/^TOTAL\s+2\s+3\s+100\s+100\.0%$/m)
    expect(await renderSummary(summary, 'markdown')).toContain('| \\(none\\) | 0 | 1 | 10 | 10.0% |')
    const sections = await csvSections(await renderSummary(summary, 'csv'))
    expect(sections.at(-1)).toEqual([
      ['status', 'jobs', 'rows', 'credits', 'share_pct'],
      ['success', '1', '1', '60', '60'],
      ['failed', '1', '1', '30', '30'],
      ['(none)', '0', '1', '10', '10'],
    ])
  })

  const golden = haveGoldenExport('the job-status rows golden test') ? it : it.skip
  golden('add up to the 1,260 rows of the real export', async () => {
    const {summary} = await generateReport({inputs: [GOLDEN_EXPORT], outDir: join(tempDir(), 'out')}, {clock})
    expect(summary.totals.rows).toBe(1260)
    expect(summary.jobStatuses.reduce((sum, status) => sum + (status.rows ?? 0), 0)).toBe(1260)
    expect(summary.jobStatuses.reduce((sum, status) => sum + status.jobs, 0)).toBe(summary.totals.jobs)
    expect(await renderSummary(summary, 'table')).toMatch(/^TOTAL\s+1,032\s+1,260\s+532,406\s+100\.0%$/m)
  })
})
