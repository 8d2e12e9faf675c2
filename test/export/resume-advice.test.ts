/**
 * An export that stops for good (exit 4) must say how to resume it, as a timeout does: "rerun the same command"
 * is not enough when the command's range is relative to now (`--start` alone runs to now, `--days` moves at
 * midnight). Run again later, that command asks another range, matches no manifest and spends new export jobs
 * (10 an hour) and downloads on data the folder already holds. The exact --start/--end do resume it.
 */
import {ApiError, CciUsageError, TimeoutError} from '../../src/core/errors.js'
import {parseRangeBound, resolveRange} from '../../src/export/windows.js'
import {runWeekly} from '../../src/pipeline/weekly.js'
import {harness, type Harness} from './helpers.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

const posts = (current: Harness) => current.sim.requests.filter((r) => r.server === 'api' && r.method === 'POST')
const downloadsOf = (current: Harness, part: number) =>
  current.sim.requests.filter((r) => r.server === 'download' && r.path.endsWith(`/part-${part}.csv.gz`))

/** The range the error's resume command names, as the CLI would parse it. */
function resumeRange(message: string) {
  const match = / --start (\S+) --end (\S+) /.exec(message.slice(message.indexOf('Resume with: ')))
  if (!match) throw new Error(`no --start/--end in: ${message}`)
  return {start: parseRangeBound(match[1], '--start', 'start'), end: parseRangeBound(match[2], '--end', 'end')}
}

describe('an export that fails after its jobs were created', () => {
  it('names the resume command when a part keeps failing, and that command reuses the job and the verified part', async () => {
    // Part 2 arrives cut short on every one of its 6 attempts; part 1 verifies.
    h = await harness({parts: 2, faults: [{type: 'truncate-part', part: 1, times: 6}]})
    // `export --start 2024-11-10`: no --end, so the range runs to now.
    const range = resolveRange({start: '2024-11-10'}, h.time.clock())
    const error = await h.run({range}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as CciUsageError).code).toBe('E_DOWNLOAD_FAILED')
    const message = (error as Error).message
    expect(message).toMatch(/^Could not download part 2 of 2 of job \S+: /)
    expect(message).toContain(
      `Resume with: cci-usage export --org-id ${h.orgId} --start 2024-11-10T00:00:00Z --end 2024-11-20T10:00:00Z --out ${h.out} --host ${h.sim.apiUrl}`,
    )
    expect(message).not.toContain(h.sim.token)
    expect(message.split('\n')).toHaveLength(1)

    // A minute later the same command line asks for another range: only the named one resumes.
    await h.time.sleep(60_000)
    expect(resolveRange({start: '2024-11-10'}, h.time.clock()).end).not.toEqual(range.end)
    const resumed = resumeRange(message)
    expect(resumed).toEqual(range)
    await h.run({range: resumed})
    expect(posts(h)).toHaveLength(1)
    expect(downloadsOf(h, 0)).toHaveLength(1)
    expect(h.logs.some((line) => line.includes('reusing job'))).toBe(true)
  })

  it('names the resume command when the job fails, and that command creates a new job for the window only', async () => {
    h = await harness({parts: 1, faults: [{type: 'job-failed', errorReason: 'Export exceeded the size limit', times: 1}]})
    const range = resolveRange({start: '2024-11-10'}, h.time.clock())
    const error = await h.run({range}).catch((e: unknown) => e)
    expect((error as CciUsageError).code).toBe('E_EXPORT_FAILED')
    const message = (error as Error).message
    expect(message).toMatch(/failed: Export exceeded the size limit\./)
    expect(message).toContain(`Resume with: cci-usage export --org-id ${h.orgId} --start 2024-11-10T00:00:00Z --end 2024-11-20T10:00:00Z --out ${h.out}`)
    await h.time.sleep(60_000)
    await h.run({range: resumeRange(message)})
    expect(posts(h)).toHaveLength(2)
  })

  it('keeps its own advice when the windows\' jobs disagree on the columns (a resume would meet the same columns)', async () => {
    // The first window's job has another last column in its only part: CircleCI changed the export between them.
    h = await harness({parts: 1, faults: [{type: 'header-mismatch', part: 0, times: 1}]})
    const error = await h.run({range: {start: new Date('2024-09-25T00:00:00Z'), end: new Date('2024-11-19T00:00:00Z')}}).catch((e: unknown) => e)
    expect((error as CciUsageError).code).toBe('E_PART_HEADER_MISMATCH')
    expect((error as Error).message).toMatch(/export each window \(at most 31 days\) into its own --out folder/)
    expect((error as Error).message).not.toContain('Resume with:')
  })
})

describe('run, whose export fails after its jobs were created', () => {
  it('says that rerunning the same run command finishes the report, beside the export\'s resume command', async () => {
    h = await harness({parts: 1, faults: [{type: 'job-failed', times: 1}]})
    const error = await runWeekly(
      {
        api: {host: h.sim.apiUrl, token: h.sim.token, orgId: h.orgId},
        sharedOrgIds: [],
        range: {start: new Date('2024-11-12T00:00:00Z'), end: new Date('2024-11-19T00:00:00Z')},
        outDir: h.out,
        timeoutMs: 3_600_000,
        compare: 'none',
        report: {top: 10, creditPrice: null, groupBy: []},
        notify: null,
      },
      {clock: h.time.clock, sleep: h.time.sleep, log: () => undefined, warn: () => undefined},
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as CciUsageError).code).toBe('E_EXPORT_FAILED')
    const message = (error as Error).message
    expect(message).toContain('Resume with: cci-usage export ')
    expect(message).toMatch(/To finish the whole report instead, rerun the same `cci-usage run` command with the same --out on the same UTC day: it reuses these jobs\.$/)
    expect(message.split('\n')).toHaveLength(1)
  })

  it('with a range that ends at now (--start alone), names the --end that makes the rerun reuse the jobs', async () => {
    // The job is slow, not broken: the run gives up at its --timeout, the rerun waits it out.
    h = await harness({parts: 1, pendingPolls: 8})
    const current = h
    const end = new Date(current.time.clock().getTime() - 3 * 3_600_000)
    const weekly = (range: {start: Date; end: Date}, timeoutMs: number) =>
      runWeekly(
        {
          api: {host: current.sim.apiUrl, token: current.sim.token, orgId: current.orgId},
          sharedOrgIds: [],
          range,
          outDir: current.out,
          timeoutMs,
          compare: 'none',
          report: {top: 10, creditPrice: null, groupBy: []},
          notify: null,
        },
        {clock: current.time.clock, sleep: current.time.sleep, log: () => undefined, warn: () => undefined},
      )
    const range = {start: new Date('2024-11-12T00:00:00Z'), end}
    const error = await weekly(range, 20_000).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    const pinned = end.toISOString().replace('.000Z', 'Z')
    expect((error as Error).message).toMatch(new RegExp(`rerun the same \`cci-usage run\` command with the same --out and --end ${pinned} on the same UTC day: it reuses these jobs\\.$`))
    // Taken at its word, a little later: the same job, no new POST.
    await current.time.sleep(60_000)
    await weekly({start: range.start, end: new Date(pinned)}, 3_600_000)
    expect(current.sim.requests.filter((r) => r.server === 'api' && r.method === 'POST')).toHaveLength(1)
  })
})
