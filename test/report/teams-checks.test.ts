/**
 * Issue 10 item 9: a teams pattern that matches no project of the data gets one warning naming it; a teams CSV
 * without the `project,team` header is refused (exit 2, file and line 1) instead of being read as data.
 */
import {join} from 'node:path'

import {buildReportSummary} from '../../src/analysis/index.js'
import {parseTeamsCsv} from '../../src/analysis/teams.js'
import {unmatchedRules} from '../../src/analysis/teams-checks.js'
import {isBuilt, runCli} from '../helpers/cli.js'
import {exportCsv, job, NULL, tempDir, writeFixture} from './fixtures.js'

const clock = () => new Date('2024-11-20T00:00:00Z')
const rows = [
  job({PROJECT_NAME: 'api', TOTAL_CREDITS: 1}),
  job({PROJECT_NAME: 'web-a', TOTAL_CREDITS: 2}),
  job({PROJECT_NAME: 'etl', TOTAL_CREDITS: 8, JOB_RUN_DATE: '2024-11-01'}),
]

async function summaryWith(teams: string, name = 'teams.csv', filters = {}) {
  const dir = tempDir()
  const input = writeFixture(dir, 'usage.csv', exportCsv(rows))
  return buildReportSummary({inputs: [input], teamsFile: writeFixture(dir, name, teams), filters}, clock)
}

describe('teams CSV header', () => {
  it('accepts project,team in either order, any case, with a BOM', async () => {
    for (const text of ['project,team\napi,platform\n', 'team,project\nplatform,api\n', '\uFEFFProject,TEAM\napi,platform\n', 'project,team,slack_channel\napi,platform\n']) {
      expect(await parseTeamsCsv('t.csv', text)).toEqual([{team: 'platform', pattern: 'api', line: 2}])
    }
  })

  it('refuses a file whose line 1 is data, another header, or extra columns, naming the file and line 1', async () => {
    for (const [text, found] of [
      ['api,platform\nweb-*,web\n', '"api,platform"'],
      ['project,owner\napi,platform\n', '"project,owner"'],
      ['project,team,cost\napi,platform,1\n', '"project,team,cost"'],
      ['project,project,team\napi,api,platform\n', '"project,project,team"'],
      ['', 'nothing'],
    ]) {
      await expect(parseTeamsCsv('t.csv', text)).rejects.toMatchObject({
        code: 'E_TEAMS_HEADER',
        exitCode: 2,
        message: `Teams file t.csv, line 1: expected the header "project,team" (either order, any case), found ${found}; add it as the first line.`,
      })
    }
  })

  const cli = isBuilt('report') ? it : it.skip
  cli('report exits 2 with one line for a headerless teams CSV', async () => {
    const dir = tempDir()
    const input = writeFixture(dir, 'usage.csv', exportCsv(rows))
    const teams = writeFixture(dir, 'teams.csv', 'api,platform\n')
    const {code, stderr} = await runCli(['report', '--input', input, '--teams', teams, '--out', join(dir, 'out')])
    expect(code).toBe(2)
    expect(stderr).toBe(`Error: Teams file ${teams}, line 1: expected the header "project,team" (either order, any case), found "api,platform"; add it as the first line.\n`)
  })
})

describe('teams patterns that match no project', () => {
  it('unmatchedRules: exact names and globs', () => {
    const rules = [
      {team: 'a', pattern: 'api', line: 2},
      {team: 'a', pattern: 'apx', line: 3},
      {team: 'b', pattern: 'web-*', line: 4},
      {team: 'b', pattern: 'mobile-*', line: 5},
    ]
    expect(unmatchedRules(rules, ['api', 'web-a'])).toEqual([rules[1], rules[3]])
  })

  it('warns once, naming every unmatched pattern with its team and line, also in summary.json', async () => {
    const {warnings, summary} = await summaryWith('project,team\napi,platform\nAPI,platform\nweb-*,web\nmobile-*,apps\n')
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/^Teams file \S+teams\.csv: 2 pattern\(s\) match no project in the data: "API" \(team "platform", line 3\), "mobile-\*" \(team "apps", line 5\); check the names/)
    expect(summary.input.warnings).toEqual(warnings)
  })

  it('looks at every project of the input, not only the window, and says when filters narrowed it', async () => {
    // etl ran before the window: mapping it is not a typo.
    const windowed = await summaryWith('project,team\netl,data\n', 'teams.csv', {since: '2024-11-10', until: '2024-11-17'})
    // The one warning is of the window reaching past the input's last day, not of the teams file.
    expect(windowed.warnings).toEqual([expect.stringMatching(/^The report window 2024-11-10\.\.2024-11-17 reaches days the input has no rows on/)])
    const filtered = await summaryWith('project,team\netl,data\n', 'teams.csv', {project: 'api'})
    expect(filtered.warnings[0]).toContain('match no project in the data (after --org/--project/--branch): "etl"')
  })

  it('counts rows without a project as "(none)", the name they are matched by', async () => {
    const dir = tempDir()
    const input = writeFixture(dir, 'usage.csv', exportCsv([...rows, job({PROJECT_NAME: NULL, TOTAL_CREDITS: 4})]))
    const {warnings, summary} = await buildReportSummary({inputs: [input], teamsFile: writeFixture(dir, 'teams.yml', 'teams:\n  ops: ["(none)"]\n  platform: [api]\n')}, clock)
    expect(summary.breakdowns.team?.find((team) => team.key === 'ops')?.credits).toBe(4)
    expect(warnings).toEqual([])
  })

  it('says nothing when every pattern matches (YAML too)', async () => {
    expect((await summaryWith('teams:\n  platform: [api, "web-*"]\n  data: [etl]\n', 'teams.yml')).warnings).toEqual([])
  })
})

describe('teams patterns whose projects all go to other teams', () => {
  it('warns naming the pattern, its team and line and who takes its projects; a catch-all that gets some is fine', async () => {
    // web-* (line 3) matches only web-a, which the exact entry of line 4 takes (an exact name wins), and a* (line 5)
    // only api, which the earlier glob * takes: teams web and apis would never see a credit.
    const {warnings, summary} = await summaryWith('project,team\n*,everyone\nweb-*,web\nweb-a,frontend\na*,apis\n')
    expect(warnings).toEqual([
      expect.stringMatching(
        /^Teams file \S+teams\.csv: 2 pattern\(s\) match projects that all go to other teams \(an exact name wins, else the first glob written\): "web-\*" \(team "web", line 3; its projects go to "frontend"\), "a\*" \(team "apis", line 5; its projects go to "everyone"\); list the narrower pattern first, or drop the entry\.$/,
      ),
    ])
    expect(summary.input.warnings).toEqual(warnings)
    expect(Object.fromEntries((summary.breakdowns.team ?? []).map((team) => [team.key, team.credits]))).toEqual({everyone: 9, frontend: 2})
  })

  it('says nothing when two entries of the same team overlap', async () => {
    expect((await summaryWith('project,team\napi,platform\na*,platform\nweb-*,web\netl,data\n')).warnings).toEqual([])
  })
})
