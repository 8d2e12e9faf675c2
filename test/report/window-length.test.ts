/**
 * A report window holds every one of its days (the day breakdown, by-day.csv, the day chart), so a window of
 * centuries, from a mistyped --start or one malformed JOB_RUN_DATE cell, is refused with exit 2 before anything
 * is built over its days: it used to run for half a minute (nine for a cell dated 9999) and end in a stack
 * overflow, exit 1.
 */
import {existsSync} from 'node:fs'
import {join} from 'node:path'

import {buildReportSummary} from '../../src/analysis/index.js'
import {BadInputError} from '../../src/core/errors.js'
import {isBuilt, runCli} from '../helpers/cli.js'
import {exportCsv, job, tempDir, writeFixture} from './fixtures.js'

const clock = () => new Date('2024-11-20T00:00:00Z')
const ROWS = [job({JOB_ID: 'a', JOB_RUN_DATE: '2024-11-12', TOTAL_CREDITS: 3}), job({JOB_ID: 'b', JOB_RUN_DATE: '2024-11-13', TOTAL_CREDITS: 4})]

async function refusal(rows: typeof ROWS, filters: Record<string, string> = {}): Promise<BadInputError> {
  const input = writeFixture(tempDir(), 'usage.csv', exportCsv(rows))
  const failure = await buildReportSummary({inputs: [input], filters}, clock).then(
    () => undefined,
    (error: unknown) => error,
  )
  expect(failure).toBeInstanceOf(BadInputError)
  return failure as BadInputError
}

describe('the report window is at most ten years', () => {
  // Dates a century off, not millennia: before the fix those ran (for seconds) instead of overflowing the stack.
  it('refuses a JOB_RUN_DATE cell a century from the others, naming the date', async () => {
    const error = await refusal([...ROWS, job({JOB_ID: 'c', JOB_RUN_DATE: '1900-01-01', TOTAL_CREDITS: 5})])
    expect(error.code).toBe('E_WINDOW_TOO_LONG')
    expect(error.message).toBe(
      "The report window 1900-01-01..2024-11-13 spans 45,608 days, more than a report covers (3,660 days, ten years): the input's JOB_RUN_DATE reaches 1900-01-01 and 2024-11-13, most likely a malformed cell: check the rows dated 1900-01-01 and 2024-11-13, or choose the days to report with --start/--end.",
    )
  })

  it('refuses a cell dated a century ahead the same way, and a --start given alone names the last day as the suspect', async () => {
    const rows = [...ROWS, job({JOB_ID: 'c', JOB_RUN_DATE: '2124-12-30', TOTAL_CREDITS: 5})]
    expect((await refusal(rows)).message).toContain("the input's JOB_RUN_DATE reaches 2024-11-12 and 2124-12-30")
    expect((await refusal(rows, {since: '2024-11-13'})).message).toContain("the input's JOB_RUN_DATE reaches 2124-12-30, most likely a malformed cell")
  })

  it('refuses a --start/--end of centuries, naming the flags', async () => {
    const error = await refusal(ROWS, {since: '1900-01-01', until: '2024-11-13'})
    expect(error.message).toBe('The report window 1900-01-01..2024-11-13 spans 45,608 days, more than a report covers (3,660 days, ten years): check --start 1900-01-01 and --end 2024-11-13.')
  })

  it('reports a window of exactly the limit, 3,660 days, and refuses one day more', async () => {
    const input = writeFixture(tempDir(), 'usage.csv', exportCsv(ROWS))
    const {summary} = await buildReportSummary({inputs: [input], filters: {since: '2014-11-07', until: '2024-11-13'}}, clock)
    expect(summary.window.days).toBe(3660)
    expect(summary.totals.credits.total).toBe(7)
    expect((await refusal(ROWS, {since: '2014-11-06', until: '2024-11-13'})).message).toContain('spans 3,661 days')
  })
})

const cli = isBuilt('report') ? it : it.skip

describe('report CLI', () => {
  // Before the fix: exit 1 after half a minute, "Maximum call stack size exceeded (unexpected; ...)".
  cli('exits 2 with one line for --start 0000-01-01, and writes nothing', async () => {
    const dir = tempDir()
    const input = writeFixture(dir, 'usage.csv', exportCsv(ROWS))
    const out = join(dir, 'out')
    const {code, stdout, stderr} = await runCli(['report', '--input', input, '--out', out, '--start', '0000-01-01'])
    expect({code, stdout}).toEqual({code: 2, stdout: ''})
    const errors = stderr.split('\n').filter((line) => line.startsWith('Error: '))
    expect(errors).toEqual(['Error: The report window 0000-01-01..2024-11-13 spans 739,569 days, more than a report covers (3,660 days, ten years): check --start 0000-01-01.'])
    expect(stderr).not.toContain('    at ')
    expect(existsSync(join(out, 'summary.json'))).toBe(false)
  })
})
