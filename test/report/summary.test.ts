import {join} from 'node:path'

import {buildReportSummary} from '../../src/analysis/index.js'
import {OTHER_KEY} from '../../src/analysis/summary.js'
import {formatSignedPercent} from '../../src/core/format-credits.js'
import {exportCsv, HEADER, job, tempDir, writeFixture} from './fixtures.js'

const clock = () => new Date('2024-11-20T00:00:00Z')

async function summarise(csv: string, options: Parameters<typeof buildReportSummary>[0] extends infer O ? Partial<O> : never = {}) {
  const dir = tempDir()
  const input = writeFixture(dir, 'usage.csv', csv)
  return buildReportSummary({inputs: [input], ...options}, clock)
}

describe('summary semantics', () => {
  it('rolls projects beyond --top into "other" and keeps the sum exact to the micro-credit', async () => {
    const rows = Array.from({length: 7}, (_, index) => job({PROJECT_NAME: `p${index}`, TOTAL_CREDITS: `${index + 1}.000001`}))
    const {summary} = await summarise(exportCsv(rows), {top: 3})
    expect(summary.breakdowns.project.map((bucket) => bucket.key)).toEqual(['p6', 'p5', 'p4', OTHER_KEY])
    const other = summary.breakdowns.project[3]
    expect(other.credits).toBe(10.000004)
    expect(other.rows).toBe(4)
    expect(other.dims).toEqual({org: null, project: null})
    expect(summary.totals.credits.total).toBe(28.000007)
    const micro = summary.breakdowns.project.reduce((sum, bucket) => sum + Math.round(bucket.credits * 1e6), 0)
    expect(micro).toBe(28_000_007)
    expect(summary.totals.projects).toBe(7)
  })

  it('rounds the average job minutes half up exactly: 4,761 s over 2 runs is 39.675, which reads 39.68, not 39.67', async () => {
    expect(Math.round((4761 / 2 / 60) * 100) / 100).toBe(39.67)
    const rows = [job({JOB_RUN_SECONDS: 2380}), job({JOB_RUN_SECONDS: 2381})]
    const {tables} = await summarise(exportCsv(rows))
    expect(tables.project?.[0].avgJobMinutes).toBe(39.68)
  })

  it('rounds the average per project from the exact credits: 1.000001 credits over 2 projects is 0.5000005, which reads 0.500001, not 0.5', async () => {
    const credits = ['1', '0.000001']
    const rows = credits.map((total, index) => job({PROJECT_NAME: `p${index}`, TOTAL_CREDITS: total}))
    const {summary} = await summarise(exportCsv(rows))
    // Through a double, 1.000001 / 2 reads 0.50000049999999..., and rounded to six decimals 0.5.
    expect(Math.round((1.000001 / 2) * 1e6) / 1e6).toBe(0.5)
    const micro = credits.reduce((sum, total) => sum + BigInt(Math.round(Number(total) * 1e6)), 0n)
    // Half a micro-credit and more rounds up, as every other per-something figure (creditsPerRun, creditsMean).
    const expected = Number((micro * 2n + BigInt(credits.length)) / (2n * BigInt(credits.length))) / 1e6
    expect(summary.totals.averagePerProject).toBe(expected)
    expect(expected).toBe(0.500001)
  })

  it('keeps a real project called "other" apart from the --top roll-up, in breakdowns and per day', async () => {
    const rows = [
      job({PROJECT_NAME: 'other', TOTAL_CREDITS: 100}),
      job({PROJECT_NAME: 'alpha', TOTAL_CREDITS: 10}),
      job({PROJECT_NAME: 'beta', TOTAL_CREDITS: 5}),
    ]
    const {summary} = await summarise(exportCsv(rows), {top: 1})
    expect(summary.breakdowns.project.map((bucket) => [bucket.key, bucket.credits])).toEqual([
      ['other', 100],
      [OTHER_KEY, 15],
    ])
    const perDay = summary.dayByProject.reduce((sum, point) => sum + point.credits, 0)
    expect(perDay).toBe(summary.totals.credits.total)
    expect(summary.dayByProject.filter((point) => point.project === 'other').reduce((sum, point) => sum + point.credits, 0)).toBe(100)
  })

  it('matches a name holding glob characters exactly, and says so when a filter matches no row', async () => {
    const rows = [job({PROJECT_NAME: 'web[1]', TOTAL_CREDITS: 7}), job({PROJECT_NAME: 'web1', TOTAL_CREDITS: 3}), job({PROJECT_NAME: 'api', TOTAL_CREDITS: 1})]
    const exact = await summarise(exportCsv(rows), {filters: {project: 'web[1]'}})
    // Exactly "web[1]" (7) and, read as a glob, "web1" (3).
    expect(exact.summary.totals.credits.total).toBe(10)
    const none = await summarise(exportCsv(rows), {filters: {project: 'nope-*'}})
    expect(none.summary.totals.credits.total).toBe(0)
    expect(none.notices).toContain('No row of the input matches --project "nope-*": check the name (exact, or a glob such as "web-*").')
  })

  it('treats nulls as missing: averages skip them and job-less rows count in credits, not jobs', async () => {
    const dir = tempDir()
    const rows = [
      job({JOB_RUN_SECONDS: 60, TOTAL_CREDITS: 5}),
      job({JOB_RUN_SECONDS: 180, TOTAL_CREDITS: 5}),
      job({JOB_RUN_SECONDS: undefined, TOTAL_CREDITS: 5}),
      job({JOB_NAME: undefined, JOB_RUN_SECONDS: undefined, TOTAL_CREDITS: 2, JOB_BUILD_STATUS: 'canceled'}),
    ]
    const input = writeFixture(dir, 'usage.csv', exportCsv(rows))
    const {summary, tables} = await buildReportSummary({inputs: [input]}, clock)
    expect(summary.totals.credits.total).toBe(17)
    expect(summary.totals.jobs).toBe(3)
    expect(summary.totals.joblessRows).toBe(1)
    expect(summary.canceled).toEqual({credits: 2, jobs: 0})
    // (60 + 180) / 2 runs with a run time = 2 minutes; a zero for the nulls would give 1 (or 0.8).
    expect(tables.project?.[0].avgJobMinutes).toBe(2)
    expect(summary.totals.computeMinutes).toBe(4)
    const jobKeys = summary.breakdowns.job.map((bucket) => [bucket.key, bucket.jobs, bucket.rows])
    expect(jobKeys).toEqual([['api / ci / build', 3, 3], ['api / ci / (no job)', 0, 1]])
  })

  it('sums unknown *_CREDITS columns into totals.credits.other and reads a lower-case header', async () => {
    const header = [...HEADER, 'GPU_CREDITS', 'FUTURE_CREDITS', 'SOMETHING_ELSE'].map((name) => name.toLowerCase())
    const rows = [
      job({TOTAL_CREDITS: 20, GPU_CREDITS: 7, FUTURE_CREDITS: 3, SOMETHING_ELSE: 'x'}),
      job({TOTAL_CREDITS: 1, GPU_CREDITS: undefined, FUTURE_CREDITS: '0.5'}),
    ]
    const {summary} = await summarise(exportCsv(rows, header))
    expect(summary.totals.credits.other).toBe(10.5)
    expect(summary.totals.credits.total).toBe(21)
    expect(summary.totals.credits.compute).toBe(20)
    expect(summary.breakdowns.project[0].key).toBe('api')
  })

  it('fills absent known columns with NULL (an export without the JOB_RUN_* timestamps works)', async () => {
    const header = HEADER.filter((name) => !/^JOB_RUN_(QUEUED|STARTED|STOPPED)_AT$/.test(name) && name !== 'EXECUTOR')
    const {summary} = await summarise(exportCsv([job({})], header))
    expect(summary.totals.credits.total).toBe(10)
    expect(summary.breakdowns.executor.map((bucket) => bucket.key)).toEqual(['(none)'])
  })

  it('applies --org/--project/--branch (exact and glob) and --since/--until (inclusive)', async () => {
    const rows = [
      job({PROJECT_NAME: 'web-a', VCS_BRANCH: 'main', TOTAL_CREDITS: 1, JOB_RUN_DATE: '2024-11-10'}),
      job({PROJECT_NAME: 'web-b', VCS_BRANCH: 'release/1', TOTAL_CREDITS: 2, JOB_RUN_DATE: '2024-11-11'}),
      job({PROJECT_NAME: 'api', VCS_BRANCH: 'main', TOTAL_CREDITS: 4, JOB_RUN_DATE: '2024-11-12'}),
      job({ORGANIZATION_NAME: 'other-org', PROJECT_NAME: 'web-c', TOTAL_CREDITS: 8, JOB_RUN_DATE: '2024-11-13'}),
    ]
    const csv = exportCsv(rows)
    expect((await summarise(csv, {filters: {project: 'web-*'}})).summary.totals.credits.total).toBe(11)
    expect((await summarise(csv, {filters: {project: 'web-*', org: 'acme'}})).summary.totals.credits.total).toBe(3)
    expect((await summarise(csv, {filters: {branch: 'release/*'}})).summary.totals.credits.total).toBe(2)
    expect((await summarise(csv, {filters: {branch: 'main'}})).summary.totals.credits.total).toBe(13)
    const dated = (await summarise(csv, {filters: {since: '2024-11-11', until: '2024-11-12'}})).summary
    expect(dated.totals.credits.total).toBe(6)
    expect(dated.window).toEqual({start: '2024-11-11T00:00:00.000Z', end: '2024-11-13T00:00:00.000Z', days: 2})
    expect(dated.filters).toEqual({since: '2024-11-11', until: '2024-11-12'})
    expect(dated.breakdowns.day.map((day) => [day.day, day.credits])).toEqual([['2024-11-11', 2], ['2024-11-12', 4]])
    expect(dated.breakdowns.branch.reduce((sum, bucket) => sum + bucket.credits, 0)).toBe(6)
  })

  it('adds dollars with --credit-price and rejects a negative price', async () => {
    const {summary} = await summarise(exportCsv([job({TOTAL_CREDITS: 1000})]), {creditPrice: 0.0006})
    expect(summary.totals.dollars).toBe(0.6)
    expect(summary.breakdowns.project[0].dollars).toBe(0.6)
    await expect(summarise(exportCsv([job({})]), {creditPrice: -1})).rejects.toMatchObject({exitCode: 2, code: 'E_BAD_PRICE'})
    await expect(summarise(exportCsv([job({})]), {creditPrice: Number.NaN})).rejects.toMatchObject({exitCode: 2})
  })

  it('disambiguates projects of the same name in two orgs', async () => {
    const rows = [job({ORGANIZATION_NAME: 'a', TOTAL_CREDITS: 1}), job({ORGANIZATION_NAME: 'b', TOTAL_CREDITS: 2})]
    const {summary} = await summarise(exportCsv(rows))
    expect(summary.breakdowns.project.map((bucket) => bucket.key)).toEqual(['b/api', 'a/api'])
    expect(summary.totals.projects).toBe(2)
  })

  it('reads a directory of gzip parts with one header each', async () => {
    const dir = tempDir()
    writeFixture(dir, 'part-000.csv.gz', exportCsv([job({TOTAL_CREDITS: 1})]), true)
    writeFixture(dir, 'part-001.csv.gz', exportCsv([job({TOTAL_CREDITS: 2}), job({TOTAL_CREDITS: 3})]), true)
    const {summary} = await buildReportSummary({inputs: [dir]}, clock)
    expect(summary.totals).toMatchObject({rows: 3, jobs: 3})
    expect(summary.totals.credits.total).toBe(6)
    expect(summary.input.files).toEqual(['part-000.csv.gz', 'part-001.csv.gz'])
    expect(JSON.stringify(summary)).not.toContain(dir)
  })
})

describe('week-over-week comparison', () => {
  const rows = [
    job({PROJECT_NAME: 'api', TOTAL_CREDITS: 100, JOB_RUN_DATE: '2024-11-04'}),
    job({PROJECT_NAME: 'old', TOTAL_CREDITS: 30, JOB_RUN_DATE: '2024-11-05'}),
    job({PROJECT_NAME: 'web', TOTAL_CREDITS: 50, JOB_RUN_DATE: '2024-11-08', JOB_BUILD_STATUS: 'failed'}),
    job({PROJECT_NAME: 'api', TOTAL_CREDITS: 150, JOB_RUN_DATE: '2024-11-11'}),
    job({PROJECT_NAME: 'new', TOTAL_CREDITS: 20, JOB_RUN_DATE: '2024-11-12'}),
    job({PROJECT_NAME: 'web', TOTAL_CREDITS: 40, JOB_RUN_DATE: '2024-11-17'}),
  ]

  it('compares the window with the one just before it, from the same input', async () => {
    const {summary} = await summarise(exportCsv(rows), {compare: 'previous', filters: {since: '2024-11-11', until: '2024-11-17'}})
    const comparison = summary.comparison!
    expect(comparison.previousWindow).toEqual({start: '2024-11-04T00:00:00.000Z', end: '2024-11-11T00:00:00.000Z', days: 7})
    expect(comparison.previous).toEqual({credits: 180, jobs: 3, failedCredits: 50, rows: 3})
    expect(comparison.change).toEqual({credits: 30, pct: 16.666667, jobs: 0, failedCredits: -50})
    expect(comparison.projects).toEqual([
      {project: 'api', current: 150, previous: 100, change: 50, pct: 50},
      {project: 'old', current: 0, previous: 30, change: -30, pct: -100},
      {project: 'new', current: 20, previous: 0, change: 20, pct: null},
      {project: 'web', current: 40, previous: 50, change: -10, pct: -20},
    ])
    expect(comparison.appeared).toEqual(['new'])
    expect(comparison.vanished).toEqual(['old'])
    expect(comparison.movers.map((mover) => mover.project)).toEqual(['api', 'old', 'new', 'web'])
    expect(comparison.previousByDay.map((day) => day.credits)).toEqual([100, 30, 0, 0, 50, 0, 0])
    expect(comparison.previousEmpty).toBe(false)
    expect(summary.totals.credits.total).toBe(210)
  })

  it('signs a change by its direction when the previous window nets negative (a refund adjustment): +150 on -100 is +150 %, not -150 %', async () => {
    const refund = [
      job({PROJECT_NAME: 'api', TOTAL_CREDITS: -100, JOB_RUN_DATE: '2024-11-04'}),
      job({PROJECT_NAME: 'api', TOTAL_CREDITS: 50, JOB_RUN_DATE: '2024-11-11'}),
    ]
    const {summary} = await summarise(exportCsv(refund), {compare: 'previous', filters: {since: '2024-11-11', until: '2024-11-17'}})
    const comparison = summary.comparison!
    expect(comparison.change).toMatchObject({credits: 150, pct: 150})
    expect(comparison.projects).toEqual([{project: 'api', current: 50, previous: -100, change: 150, pct: 150}])
  })

  it('keeps the change percent unrounded for display: 400 to 526.99 is +31.7475 %, which every medium reads +31.7 %, not +31.8 % through 31.75', async () => {
    const rise = [
      job({PROJECT_NAME: 'api', TOTAL_CREDITS: 400, JOB_RUN_DATE: '2024-11-04'}),
      job({PROJECT_NAME: 'api', TOTAL_CREDITS: '526.99', JOB_RUN_DATE: '2024-11-11'}),
    ]
    const {summary} = await summarise(exportCsv(rise), {compare: 'previous', filters: {since: '2024-11-11', until: '2024-11-17'}})
    const comparison = summary.comparison!
    expect(comparison.change.pct).toBe(31.7475)
    expect(comparison.projects[0].pct).toBe(31.7475)
    expect(formatSignedPercent(comparison.change.pct)).toBe('+31.7%')
  })

  it('changes jobs by the current window\'s job rows less the previous window\'s, and lists no project that did not move', async () => {
    const moving = [
      job({PROJECT_NAME: 'api', TOTAL_CREDITS: 10, JOB_RUN_DATE: '2024-11-04'}),
      job({PROJECT_NAME: 'same', TOTAL_CREDITS: 5, JOB_RUN_DATE: '2024-11-05'}),
      job({PROJECT_NAME: 'api', TOTAL_CREDITS: 10, JOB_RUN_DATE: '2024-11-11'}),
      job({PROJECT_NAME: 'api', TOTAL_CREDITS: 10, JOB_RUN_DATE: '2024-11-12'}),
      job({PROJECT_NAME: 'api', TOTAL_CREDITS: 10, JOB_RUN_DATE: '2024-11-13'}),
      job({PROJECT_NAME: 'same', TOTAL_CREDITS: 5, JOB_RUN_DATE: '2024-11-14'}),
    ]
    const {summary} = await summarise(exportCsv(moving), {compare: 'previous', filters: {since: '2024-11-11', until: '2024-11-17'}})
    const jobsIn = (from: string, through: string) => moving.filter((row) => String(row.JOB_RUN_DATE) >= from && String(row.JOB_RUN_DATE) <= through).length
    expect(summary.comparison!.change.jobs).toBe(jobsIn('2024-11-11', '2024-11-17') - jobsIn('2024-11-04', '2024-11-10'))
    expect(summary.comparison!.change.jobs).toBe(2)
    // `same` spent 5 in each window: a project, not a mover.
    expect(summary.comparison!.projects.map((change) => [change.project, change.change])).toEqual([['api', 20], ['same', 0]])
    expect(summary.comparison!.movers.map((mover) => mover.project)).toEqual(['api'])
  })

  it('reads the previous window from --previous-input', async () => {
    const dir = tempDir()
    const current = writeFixture(dir, 'current.csv', exportCsv(rows.slice(3)))
    const previous = writeFixture(dir, 'previous.csv.gz', exportCsv(rows.slice(0, 3)), true)
    const {summary} = await buildReportSummary({inputs: [current], previousInputs: [previous], filters: {since: '2024-11-11', until: '2024-11-17'}}, clock)
    expect(summary.comparison?.previous.credits).toBe(180)
    expect(summary.comparison?.appeared).toEqual(['new'])
  })

  it('says previousEmpty when the input has no rows for the previous window', async () => {
    const {summary} = await summarise(exportCsv(rows.slice(3)), {compare: 'previous'})
    expect(summary.comparison?.previousEmpty).toBe(true)
    expect(summary.comparison?.change.pct).toBeNull()
    expect(summary.comparison?.previousWindow.days).toBe(summary.window.days)
  })
})

describe('teams', () => {
  const rows = [
    job({PROJECT_NAME: 'api', TOTAL_CREDITS: 1}),
    job({PROJECT_NAME: 'web-app', TOTAL_CREDITS: 2}),
    job({PROJECT_NAME: 'web-special', TOTAL_CREDITS: 4}),
    job({PROJECT_NAME: 'etl', TOTAL_CREDITS: 8}),
  ]

  async function teamsOf(name: string, content: string) {
    const dir = tempDir()
    const teamsFile = writeFixture(dir, name, content)
    const {summary} = await summarise(exportCsv(rows), {teamsFile})
    return Object.fromEntries((summary.breakdowns.team ?? []).map((bucket) => [bucket.key, bucket.credits]))
  }

  it('maps by exact name before globs, first glob wins, the rest is unassigned (YAML)', async () => {
    const yaml = 'teams:\n  platform: [api, "web-*"]\n  special: [web-special]\n  other: ["web-*"]\n'
    expect(await teamsOf('teams.yml', yaml)).toEqual({platform: 3, special: 4, unassigned: 8})
  })

  it('reads JSON lists of {team, projects} and CSV project,team', async () => {
    const json = JSON.stringify([{team: 'data', projects: ['etl']}, {team: 'web', projects: ['web-*']}])
    expect(await teamsOf('teams.json', json)).toEqual({data: 8, web: 6, unassigned: 1})
    expect(await teamsOf('teams.csv', 'project,team\napi,platform\nweb-*,web\n')).toEqual({web: 6, platform: 1, unassigned: 8})
  })

  it('reports the file and line of a bad entry', async () => {
    await expect(teamsOf('teams.yml', 'teams:\n  platform: [api]\n  web: web-app\n')).rejects.toThrow(/teams\.yml, line 3: team "web" needs a list/)
    await expect(teamsOf('teams.csv', 'project,team\napi,platform\nweb-app\n')).rejects.toThrow(/teams\.csv, line 3: expected "project,team"/)
    await expect(teamsOf('teams.yml', 'teams: [unclosed\n')).rejects.toMatchObject({exitCode: 2, code: 'E_TEAMS_INVALID'})
  })

  it('is null without a teams file', async () => {
    const {summary} = await summarise(exportCsv(rows))
    expect(summary.breakdowns.team).toBeNull()
  })
})

describe('malformed input', () => {
  async function failure(name: string, content: string | Buffer) {
    const dir = tempDir()
    const input = writeFixture(dir, name, content)
    const error = await buildReportSummary({inputs: [input]}, clock).then(
      () => null,
      (caught: Error & {exitCode?: number; code?: string}) => caught,
    )
    expect(error).not.toBeNull()
    expect(error!.exitCode).toBe(2)
    expect(error!.message).not.toContain('\n')
    expect(error!.message).toContain(input)
    return error!
  }

  it('names file and line of a ragged row', async () => {
    const csv = exportCsv([job({}), job({})]) + 'a,b,c\n'
    expect((await failure('ragged.csv', csv)).message).toMatch(/ragged\.csv, line 4: expected 48 fields but found 3/)
  })

  it('names file, line and column of a value that is not a number', async () => {
    const csv = exportCsv([job({}), job({TOTAL_CREDITS: 'lots'})])
    expect((await failure('bad-value.csv', csv)).message).toMatch(/line 3: column TOTAL_CREDITS holds "lots"/)
  })

  it('rejects a file without TOTAL_CREDITS or PROJECT_NAME as not a usage export', async () => {
    expect((await failure('wrong.csv', 'name,value\na,1\n')).code).toBe('E_NOT_USAGE_EXPORT')
    const header = HEADER.filter((name) => name !== 'TOTAL_CREDITS')
    expect((await failure('no-total.csv', exportCsv([job({})], header))).message).toMatch(/no TOTAL_CREDITS column/)
  })

  it('rejects empty, binary and corrupt gzip files, and a missing file', async () => {
    expect((await failure('empty.csv', '')).code).toBe('E_INPUT_EMPTY')
    expect((await failure('binary.csv', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x01]))).code).toBe('E_INPUT_BINARY')
    expect((await failure('broken.csv.gz', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02]))).code).toBe('E_INPUT_CORRUPT')
    const dir = tempDir()
    await expect(buildReportSummary({inputs: [join(dir, 'nope.csv')]}, clock)).rejects.toMatchObject({code: 'E_INPUT_MISSING', exitCode: 2})
  })

  it('accepts a header-only export as zero usage', async () => {
    const {summary} = await summarise(exportCsv([]), {filters: {since: '2024-11-11', until: '2024-11-17'}})
    expect(summary.totals.rows).toBe(0)
    expect(summary.totals.credits.total).toBe(0)
    expect(summary.breakdowns.day).toHaveLength(7)
  })

})
