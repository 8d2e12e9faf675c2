import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {parseString} from 'fast-csv'

import {escapeCell} from '../../src/report/csv.js'
import {generateReport} from '../../src/report/index.js'
import {renderSummary} from '../../src/report/render.js'
import {isBuilt, runCli} from '../helpers/cli.js'
import {exportCsv, job, tempDir, writeFixture} from './fixtures.js'

const clock = () => new Date('2024-11-20T00:00:00Z')

async function parseCsv(text: string): Promise<string[][]> {
  const rows: string[][] = []
  await new Promise<void>((resolve, reject) => {
    parseString(text).on('data', (row: string[]) => rows.push(row)).on('error', reject).on('end', () => resolve())
  })
  return rows
}

const hostileRows = [
  job({PROJECT_NAME: '=HYPERLINK("http://x")', TOTAL_CREDITS: 30, VCS_BRANCH: '+evil'}),
  job({PROJECT_NAME: '@cmd', TOTAL_CREDITS: 20, VCS_BRANCH: '-x'}),
  job({PROJECT_NAME: 'a|b*<i>', TOTAL_CREDITS: 10, JOB_BUILD_STATUS: 'failed'}),
]

describe('escapeCell', () => {
  it('prefixes formula starters in text and leaves numbers alone', () => {
    for (const value of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx']) expect(escapeCell(value)).toBe(`'${value}`)
    expect(escapeCell('plain')).toBe('plain')
    expect(escapeCell(-5)).toBe(-5)
    expect(escapeCell(null)).toBe('')
  })
})

describe('generateReport', () => {
  it('writes summary.json and by-<dim>.csv files with escaped text cells and numeric numbers', async () => {
    const dir = tempDir()
    const input = writeFixture(dir, 'usage.csv', exportCsv(hostileRows))
    const outDir = join(dir, 'out')
    const seen: {outDir: string; schemaVersion: number}[] = []
    const visuals = async (target: string, built: {schemaVersion: number}) => {
      seen.push({outDir: target, schemaVersion: built.schemaVersion})
      writeFileSync(join(target, 'chart.svg'), '<svg/>')
      return ['chart.svg']
    }
    const {summary, files} = await generateReport(
      {inputs: [input], outDir, groupBy: ['branch', 'day'], creditPrice: 0.0006, visuals},
      {clock},
    )
    // Published as one set, summary.json last; the visuals were written into the staging folder.
    expect(files).toEqual(['by-branch.csv', 'by-day.csv', 'by-project.csv', 'chart.svg', 'summary.json'])
    expect(seen).toEqual([{outDir: join(outDir, '.cci-usage-staging'), schemaVersion: 1}])
    const written = JSON.parse(readFileSync(join(outDir, 'summary.json'), 'utf8'))
    expect(written.artifacts).toEqual(['chart.svg'])
    expect(written.totals.credits.total).toBe(summary.totals.credits.total)
    const projects = await parseCsv(readFileSync(join(outDir, 'by-project.csv'), 'utf8'))
    expect(projects[0]).toEqual(['project', 'org', 'credits', 'share_pct', 'jobs', 'rows', 'compute_minutes', 'avg_job_minutes', 'failed_credits', 'failed_jobs', 'dollars'])
    expect(projects.slice(1).map((row) => [row[0], row[2], row[3], row[10]])).toEqual([
      [`'=HYPERLINK("http://x")`, '30', '50', '0.02'],
      [`'@cmd`, '20', '33.333', '0.01'],
      ['a|b*<i>', '10', '16.667', '0.01'],
    ])
    const branches = await parseCsv(readFileSync(join(outDir, 'by-branch.csv'), 'utf8'))
    expect(branches.slice(1).map((row) => row[1]).sort()).toEqual([`'+evil`, `'-x`, 'main'])
    // Nothing but the final files (and the list of them): temp files were renamed into place, staging is gone.
    expect(readdirSync(outDir).sort()).toEqual(['.cci-usage-artifacts.json', 'by-branch.csv', 'by-day.csv', 'by-project.csv', 'chart.svg', 'summary.json'])
  })

  it('rounds share_pct from the exact share, half up: 7 credits of 200,000 are 0.0035 %, written 0.004, not 0.003 through a double', async () => {
    const dir = tempDir()
    const credits = [199_993, 7]
    const input = writeFixture(dir, 'usage.csv', exportCsv(credits.map((total, index) => job({PROJECT_NAME: `p${index}`, TOTAL_CREDITS: total, COMPUTE_CREDITS: total}))))
    const outDir = join(dir, 'out')
    await generateReport({inputs: [input], outDir, visuals: async () => []}, {clock})
    const projects = await parseCsv(readFileSync(join(outDir, 'by-project.csv'), 'utf8'))
    const whole = BigInt(credits.reduce((sum, total) => sum + total, 0))
    // Thousandths of a percent, half up, in integers.
    const exactPct = (part: number) => Number((BigInt(part) * 100_000n * 2n + whole) / (2n * whole)) / 1000
    expect(projects.slice(1).map((row) => Number(row[3]))).toEqual(credits.map(exactPct))
    expect(exactPct(7)).toBe(0.004)
    // What share x 10^5 through a double gave.
    expect(Math.round((7 / 200_000) * 100_000) / 1000).toBe(0.003)
  })

  it('lists every day of the window in by-day.csv, a day without rows as zeros, undated rows first', async () => {
    const dir = tempDir()
    const rows = [
      job({JOB_RUN_DATE: '2024-11-11', TOTAL_CREDITS: 5, COMPUTE_CREDITS: 5}),
      job({JOB_RUN_DATE: '2024-11-13', TOTAL_CREDITS: 7, COMPUTE_CREDITS: 7}),
      job({JOB_RUN_DATE: undefined, TOTAL_CREDITS: 2, COMPUTE_CREDITS: 2}),
    ]
    const input = writeFixture(dir, 'usage.csv', exportCsv(rows))
    const outDir = join(dir, 'out')
    const {summary} = await generateReport({inputs: [input], outDir, groupBy: ['day'], visuals: async () => []}, {clock})
    const days = await parseCsv(readFileSync(join(outDir, 'by-day.csv'), 'utf8'))
    expect(days.slice(1).map((row) => [row[0], row[1], row[3], row[4], row[6]])).toEqual([
      ['(none)', '2', '1', '1', '1'],
      ['2024-11-11', '5', '1', '1', '1'],
      ['2024-11-12', '0', '0', '0', ''],
      ['2024-11-13', '7', '1', '1', '1'],
    ])
    expect(summary.breakdowns.day.map((day) => day.day)).toEqual(['2024-11-11', '2024-11-12', '2024-11-13'])
  })

  it('writes the header of every by-<dim>.csv when the window holds no row (a file of one empty line has no columns to read)', async () => {
    const dir = tempDir()
    const input = writeFixture(dir, 'usage.csv', exportCsv([job({PROJECT_NAME: 'api', TOTAL_CREDITS: 5})]))
    const outDir = join(dir, 'out')
    await generateReport({inputs: [input], outDir, groupBy: ['branch'], filters: {project: 'no-such-project'}, creditPrice: 0.0006, visuals: async () => []}, {clock})
    for (const file of ['by-project.csv', 'by-branch.csv']) {
      const rows = await parseCsv(readFileSync(join(outDir, file), 'utf8'))
      expect(rows).toHaveLength(1)
      expect(rows[0].slice(-3)).toEqual(['failed_credits', 'failed_jobs', 'dollars'])
    }
  })

  it('rejects --group-by team without --teams and unknown dimensions', async () => {
    const dir = tempDir()
    const input = writeFixture(dir, 'usage.csv', exportCsv([job({})]))
    await expect(generateReport({inputs: [input], outDir: dir, groupBy: ['team']}, {clock})).rejects.toMatchObject({exitCode: 2})
    await expect(generateReport({inputs: [input], outDir: dir, groupBy: ['colour' as never]}, {clock})).rejects.toThrow(/--group-by colour/)
  })
})

describe('renderSummary', () => {
  it('renders table, markdown, csv and json from one summary', async () => {
    const dir = tempDir()
    const input = writeFixture(dir, 'usage.csv', exportCsv(hostileRows))
    const {summary} = await generateReport({inputs: [input], outDir: join(dir, 'out'), compare: 'previous'}, {clock})
    const table = await renderSummary(summary, 'table')
    expect(table).toMatch(/^TOTAL\s+60\s+100\.0%\s+3\s+10$/m)
    expect(table).toContain('Projects with usage: 3 · average per project: 20 credits · top project: =HYPERLINK("http://x") (30, 50.0%)')
    expect(table).toContain('Spent on failed jobs: 10 credits (16.7%) in 1 jobs')
    expect(table).toContain('the input has no rows for the previous window')
    const markdown = await renderSummary(summary, 'markdown')
    expect(markdown).toContain('| a\\|b\\*\\<i\\> |')
    // "@cmd" would mention a team where the Markdown is posted (GitHub); escaped it is text.
    expect(markdown).toContain('| \\@cmd |')
    expect(markdown).toMatch(/\| TOTAL \| {2}\| 60 \| 100\.0% \| 3 \| 10 \|/)
    const csv = await parseCsv(await renderSummary(summary, 'csv'))
    expect(csv[1][0]).toBe(`'=HYPERLINK("http://x")`)
    expect(JSON.parse(await renderSummary(summary, 'json'))).toEqual(summary)
  })

  it('keeps control characters from the data out of the terminal', async () => {
    const dir = tempDir()
    const input = writeFixture(dir, 'usage.csv', exportCsv([job({PROJECT_NAME: 'x\u001b[31mred'})]))
    const {summary} = await generateReport({inputs: [input], outDir: join(dir, 'out')}, {clock})
    expect(await renderSummary(summary, 'table')).not.toContain('\u001b')
  })

  it('keeps bidirectional overrides and isolates out of the table and the Markdown (they reorder what follows)', async () => {
    const dir = tempDir()
    const input = writeFixture(dir, 'usage.csv', exportCsv([job({PROJECT_NAME: 'api\u202egnp.exe\u2066x\u2069'})]))
    const {summary} = await generateReport({inputs: [input], outDir: join(dir, 'out')}, {clock})
    for (const format of ['table', 'markdown'] as const) {
      const text = await renderSummary(summary, format)
      expect(text).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/)
      expect(text).toContain('api?gnp.exe?x?')
    }
  })

  it('clips a long name in the terminal table to 60 characters, so the figures stay on screen; Markdown and the CSV keep it whole', async () => {
    const dir = tempDir()
    const long = `${'p'.repeat(70)}\u{1F600}${'q'.repeat(129)}`
    const input = writeFixture(dir, 'usage.csv', exportCsv([job({PROJECT_NAME: long, TOTAL_CREDITS: 30}), job({PROJECT_NAME: 'short', TOTAL_CREDITS: 12})]))
    const {summary} = await generateReport({inputs: [input], outDir: join(dir, 'out')}, {clock})
    const table = (await renderSummary(summary, 'table')).split('\n')
    const clipped = `${'p'.repeat(59)}\u2026`
    expect(table.some((line) => line.startsWith(`${clipped}  `) && /\s30\s/.test(line))).toBe(true)
    expect(table.some((line) => line.startsWith(`Project${' '.repeat(53)}  Org`))).toBe(true)
    expect(table.some((line) => line.startsWith(`short${' '.repeat(55)}`))).toBe(true)
    expect(await renderSummary(summary, 'markdown')).toContain(long)
    expect(readFileSync(join(dir, 'out', 'by-project.csv'), 'utf8')).toContain(long)
  })

  it('keeps them out of the CSV printed on stdout too, while by-project.csv keeps the name as it is', async () => {
    const dir = tempDir()
    const input = writeFixture(dir, 'usage.csv', exportCsv([job({PROJECT_NAME: 'x\u001b[2J\u001b]8;;http://x\u0007y'})]))
    const {summary} = await generateReport({inputs: [input], outDir: join(dir, 'out')}, {clock})
    const csv = await renderSummary(summary, 'csv')
    expect(csv).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/)
    expect(csv).toContain('x?[2J?]8;;http://x?y')
    expect(readFileSync(join(dir, 'out', 'by-project.csv'), 'utf8')).toContain('x\u001b[2J\u001b]8;;http://x\u0007y')
  })
})

describe('cci-usage report (spawned)', () => {
  const built = isBuilt('report')
  const maybe = built ? it : it.skip
  if (!built) console.log('Skipping spawned CLI tests: run `npm run build` first.')

  const run = (args: string[]) => runCli(['report', ...args])

  maybe('prints the table and writes the files (exit 0)', async () => {
    const dir = tempDir()
    const input = writeFixture(dir, 'usage.csv', exportCsv([job({TOTAL_CREDITS: 7})]))
    const result = await run(['--input', input, '--out', join(dir, 'out')])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^TOTAL\s+7\s+100\.0%/m)
    expect(existsSync(join(dir, 'out', 'summary.json'))).toBe(true)
    const json = await run(['--input', input, '--out', join(dir, 'out'), '--json'])
    expect(JSON.parse(json.stdout).totals.credits.total).toBe(7)
  })

  maybe('keeps escape sequences of names out of its warnings on stderr', async () => {
    const dir = tempDir()
    const csv = exportCsv([job({})])
    // The same content twice: the warning names both files, one of them with an escape sequence in its name.
    const first = writeFixture(dir, 'usage.csv', csv)
    const copy = writeFixture(dir, 'copy\u001b[2J.csv', csv)
    const result = await run(['--input', first, '--input', copy, '--out', join(dir, 'out')])
    expect(result.code).toBe(0)
    expect(result.stderr).toContain('copy?[2J.csv has the same content as')
    expect(result.stderr).not.toContain('\u001b')
  })

  maybe.each([
    ['a malformed file', (dir: string) => ['--input', writeFixture(dir, 'bad.csv', exportCsv([job({})]) + 'x,y\n')], /bad\.csv, line 3/],
    ['a missing file', (dir: string) => ['--input', join(dir, 'missing.csv')], /missing\.csv does not exist/],
    ['a negative price', (dir: string) => ['--input', writeFixture(dir, 'u.csv', exportCsv([job({})])), '--credit-price', '-1'], /--credit-price -1/],
    ['a bad date', (dir: string) => ['--input', writeFixture(dir, 'u.csv', exportCsv([job({})])), '--since', '2024-13-01'], /--since 2024-13-01 is not a date/],
  ])('exits 2 with one stderr line and no stack for %s', async (_name, args, message) => {
    const dir = tempDir()
    const result = await run([...args(dir), '--out', join(dir, 'out')])
    expect(result.code).toBe(2)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stderr).toMatch(message)
    expect(result.stderr).not.toMatch(/\s+at .+:\d+:\d+/)
  })
})
