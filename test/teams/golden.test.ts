/**
 * The real export with a teams file: its 532,406 credits split across the teams and "unassigned" without a
 * credit lost, in the team summaries and in the chargeback file, and a team's summary equal to the report
 * filtered to its projects.
 */
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {parseString} from 'fast-csv'

import {buildReportSummary} from '../../src/analysis/index.js'
import type {Summary} from '../../src/analysis/summary.js'
import {fullReportHooks} from '../../src/report/hooks.js'
import {generateReport} from '../../src/report/index.js'
import {GOLDEN_EXPORT, haveGoldenExport} from '../helpers/repo.js'
import {tempDir, writeFixture} from '../report/fixtures.js'

const clock = () => new Date('2024-12-02T06:00:00Z')
const maybe = haveGoldenExport('the golden per-team tests') ? describe : describe.skip

const TEAMS_YAML = [
  '- team: core',
  '  projects: [determined, "det*"]',
  '  slack_channel: C0CORE0001',
  '- team: pipelines',
  '  projects: [pachyderm]',
  '- team: "=HYPERLINK(\\"x\\") <b>ml</b>"',
  '  projects: [lore, aioli, "haber*"]',
  '',
].join('\n')

async function parseCsv(text: string): Promise<Record<string, string>[]> {
  const rows: Record<string, string>[] = []
  await new Promise<void>((resolve, reject) => {
    parseString(text, {headers: true}).on('data', (row: Record<string, string>) => rows.push(row)).on('error', reject).on('end', () => resolve())
  })
  return rows
}

/** An exact decimal string as micro-credits (or 10^-10 dollars), so sums are exact. */
function scaled(decimal: string, scale: number): bigint {
  const [whole, fraction = ''] = decimal.split('.')
  expect(fraction.length).toBeLessThanOrEqual(scale)
  return BigInt(whole + fraction.padEnd(scale, '0'))
}

maybe('the golden export with a teams file', () => {
  let out: string
  let summary: Summary
  let files: string[]

  beforeAll(async () => {
    const dir = tempDir()
    out = join(dir, 'out')
    const teamsFile = writeFixture(dir, 'teams.yml', TEAMS_YAML)
    ;({summary, files} = await generateReport(
      {inputs: [GOLDEN_EXPORT], outDir: out, teamsFile, creditPrice: 0.0006, filters: {since: '2024-11-01', until: '2024-11-30'}},
      {clock},
    ))
  })

  it('splits 532,406 credits across the teams and "unassigned", every one of them', () => {
    expect(summary.totals.credits.total).toBe(532406)
    const teams = summary.teams!
    expect(teams.map((team) => team.team)).toEqual(['core', 'pipelines', '=HYPERLINK("x") <b>ml</b>', 'unassigned'])
    expect(teams.map((team) => team.credits)).toEqual([367190, 93846, 37218 + 26935 + 4003, 532406 - 367190 - 93846 - 37218 - 26935 - 4003])
    let total = 0n
    for (const team of teams) {
      const own = JSON.parse(readFileSync(join(out, team.summary), 'utf8')) as Summary
      expect(own.filters.team).toBe(team.team)
      expect(own.totals.credits.total).toBe(team.credits)
      // Within a team the parts add up too.
      expect(own.breakdowns.day.reduce((sum, day) => sum + day.credits, 0)).toBe(team.credits)
      total += BigInt(Math.round(own.totals.credits.total * 1e6))
    }
    expect(total).toBe(532406_000000n)
    // The sets without a project (credit types, statuses, days) split exactly too.
    const owns = teams.map((team) => JSON.parse(readFileSync(join(out, team.summary), 'utf8')) as Summary)
    for (const column of ['compute', 'dlc', 'storage', 'network', 'total'] as const) {
      expect(owns.reduce((sum, own) => sum + own.totals.credits[column], 0)).toBe(summary.totals.credits[column])
    }
    for (const status of summary.jobStatuses) {
      const split = owns.flatMap((own) => own.jobStatuses.filter((entry) => entry.status === status.status))
      expect([status.status, split.reduce((sum, entry) => sum + entry.jobs, 0)]).toEqual([status.status, status.jobs])
    }
    expect(owns.reduce((sum, own) => sum + own.totals.rows, 0)).toBe(1260)
    expect(owns.reduce((sum, own) => sum + own.input.rows, 0)).toBe(summary.input.rows)
    expect(teams[0].slackChannel).toBe('C0CORE0001')
    expect(teams[1].slackChannel).toBeNull()
  })

  it('writes chargeback-2024-11.csv whose credits and dollars add up exactly to the report', async () => {
    expect(files).toContain('chargeback-2024-11.csv')
    const rows = await parseCsv(readFileSync(join(out, 'chargeback-2024-11.csv'), 'utf8'))
    expect(Object.keys(rows[0])).toEqual(['team', 'organization', 'project', 'credits', 'dollars'])
    expect(rows).toHaveLength(summary.totals.projects)
    const credits = rows.reduce((sum, row) => sum + scaled(row.credits, 6), 0n)
    expect(credits).toBe(532406_000000n)
    // 532,406 x 0.0006 = 319.4436 exactly, with no cent lost to rounding per row.
    expect(rows.reduce((sum, row) => sum + scaled(row.dollars, 10), 0n)).toBe(scaled('319.4436', 10))
    const byTeam = new Map<string, bigint>()
    for (const row of rows) byTeam.set(row.team, (byTeam.get(row.team) ?? 0n) + scaled(row.credits, 6))
    for (const team of summary.teams!) {
      const key = team.team.startsWith('=') ? `'${team.team}` : team.team
      expect(byTeam.get(key)).toBe(BigInt(team.credits) * 1_000_000n)
    }
    expect(rows.find((row) => row.project === 'determined')).toEqual({team: 'core', organization: 'determined-ai', project: 'determined', credits: '367190', dollars: '220.314'})
  })

  it("gives a one-project team the same figures as the report filtered to that project", async () => {
    const core = JSON.parse(readFileSync(join(out, 'teams/core.json'), 'utf8')) as Summary
    const {summary: filtered} = await buildReportSummary(
      {inputs: [GOLDEN_EXPORT], creditPrice: 0.0006, filters: {project: 'determined', since: '2024-11-01', until: '2024-11-30'}},
      clock,
    )
    const comparable = (value: Summary) => ({...value, generatedAt: null, filters: null, savings: null, input: null, sharedPlan: null, teams: null, artifacts: null})
    expect(comparable(core)).toEqual(comparable(filtered))
  })

  it("gives each team its own health, the same as the report filtered to its projects, and the teams' jobs add up to the org's", async () => {
    const dir = tempDir()
    const teamsFile = writeFixture(dir, 'teams.yml', TEAMS_YAML)
    const filters = {since: '2024-11-01', until: '2024-11-30'}
    const {summary: org} = await generateReport({inputs: [GOLDEN_EXPORT], outDir: join(dir, 'out'), teamsFile, filters, ...fullReportHooks(10)}, {clock})
    const core = JSON.parse(readFileSync(join(dir, 'out', 'teams/core.json'), 'utf8')) as Summary
    const {summary: determined} = await buildReportSummary(
      {inputs: [GOLDEN_EXPORT], filters: {...filters, project: 'determined'}, enrich: fullReportHooks(10).enrich, extraRowColumns: fullReportHooks(10).extraRowColumns},
      clock,
    )
    expect(core.health).not.toBeNull()
    expect(core.health).toEqual(determined.health)
    expect(core.waste).toEqual(determined.waste)
    const teamJobCredits = org.teams!.map((entry) => JSON.parse(readFileSync(join(dir, 'out', entry.summary), 'utf8')) as Summary)
      .flatMap((team) => team.health!.jobs.map((job) => BigInt(Math.round(job.credits * 1e6))))
      .reduce((sum, credits) => sum + credits, 0n)
    expect(teamJobCredits).toBe(org.health!.jobs.reduce((sum, job) => sum + BigInt(Math.round(job.credits * 1e6)), 0n))
  })

  it('writes by-org.csv for the three organizations', () => {
    expect(files).toContain('by-org.csv')
    expect(existsSync(join(out, 'by-org.csv'))).toBe(true)
  })

  it('writes no chargeback file when the window is not one calendar month', async () => {
    const dir = tempDir()
    const teamsFile = writeFixture(dir, 'teams.yml', TEAMS_YAML)
    const result = await generateReport({inputs: [GOLDEN_EXPORT], outDir: join(dir, 'out'), teamsFile}, {clock})
    expect(result.summary.window.days).toBe(9)
    expect(result.files.some((file) => file.startsWith('chargeback-'))).toBe(false)
  })
})
