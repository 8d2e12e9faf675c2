/** The pure parts of per-team delivery: the teams file's channels, safe file names, chargeback arithmetic. */
import {calendarMonthOf, chargebackRows} from '../../src/analysis/chargeback.js'
import {dollarsInCents, dollarsOfCreditFigure, exactDollars, formatMicroCredits, numberToCredits} from '../../src/core/exact-money.js'
import {creditsToNumber, NONE_LABEL} from '../../src/analysis/build.js'
import type {Group} from '../../src/analysis/aggregate.js'
import {teamAnomalies, teamSavings} from '../../src/analysis/team-summary.js'
import {createTeamMatcher, loadTeamRules, parseTeamsCsv, parseTeamsYaml, teamChannels} from '../../src/analysis/teams.js'
import {shadowedRules, unmatchedRules} from '../../src/analysis/teams-checks.js'
import {teamFileStem, teamPathsFor} from '../../src/report/team-files.js'
import {mergeSharedOrgIds, parseSharesFor} from '../../src/export/shared-plan.js'
import type {Anomaly, Savings} from '../../src/analysis/summary.js'
import {tempDir, writeFixture} from '../report/fixtures.js'

describe('slack_channel in the teams file', () => {
  it('reads it per team in the YAML and JSON list forms', () => {
    const yaml = '- team: platform\n  projects: [api-gateway, "web-*"]\n  slack_channel: C0PLATFORM\n- team: data\n  projects: [etl]\n'
    const rules = parseTeamsYaml('teams.yml', yaml)
    expect(teamChannels(rules)).toEqual(new Map([['platform', 'C0PLATFORM']]))
    expect(rules.map((rule) => [rule.team, rule.pattern, rule.slackChannel])).toEqual([
      ['platform', 'api-gateway', 'C0PLATFORM'],
      ['platform', 'web-*', 'C0PLATFORM'],
      ['data', 'etl', undefined],
    ])
    const json = JSON.stringify([{team: 'web', projects: ['web-*'], slack_channel: '#web-team'}, {team: 'x', projects: ['x'], slack_channel: null}])
    expect(teamChannels(parseTeamsYaml('teams.json', json))).toEqual(new Map([['web', '#web-team']]))
  })

  it('reads an optional slack_channel CSV column, by its header name in any position', async () => {
    const csv = 'project,team,slack_channel\napi,platform,C0PLATFORM\nweb-*,platform,\netl,data\n'
    const rules = await parseTeamsCsv('teams.csv', csv)
    expect(teamChannels(rules)).toEqual(new Map([['platform', 'C0PLATFORM']]))
    expect(createTeamMatcher(rules)('web-app')).toBe('platform')
    expect(teamChannels(await parseTeamsCsv('teams.csv', 'Slack_Channel,TEAM,project\nC0PLATFORM,platform,api\n'))).toEqual(new Map([['platform', 'C0PLATFORM']]))
  })

  // Slack takes channel names in any script; the file refused them as "not a channel ID or name".
  it('takes a channel name in another script', async () => {
    expect(teamChannels(parseTeamsYaml('teams.yml', '- team: 開発\n  projects: [api]\n  slack_channel: "#開発-ci"\n'))).toEqual(new Map([['開発', '#開発-ci']]))
    expect(teamChannels(await parseTeamsCsv('teams.csv', 'project,team,slack_channel\napi,ops,#разработка\n'))).toEqual(new Map([['ops', '#разработка']]))
  })

  it('refuses an unquoted #name, which YAML reads as a comment (the team would get no message), and keeps a real comment', () => {
    expect(() => parseTeamsYaml('teams.yml', '- team: platform\n  projects: [api]\n  slack_channel: #platform-ci\n')).toThrow(
      'Teams file teams.yml, line 3: team "platform" has slack_channel: #platform-ci, which YAML reads as a comment, not a channel: quote it (slack_channel: "#platform-ci") or give the channel ID.',
    )
    expect(teamChannels(parseTeamsYaml('teams.yml', '- team: platform\n  projects: [api]\n  slack_channel: # none yet\n'))).toEqual(new Map())
  })

  it('refuses what cannot be a channel, and two channels for one team, with the file and line', async () => {
    const dir = tempDir()
    const bad = writeFixture(dir, 'bad.yml', '- team: platform\n  projects: [api]\n  slack_channel: "<!channel> hi"\n')
    await expect(loadTeamRules(bad)).rejects.toMatchObject({code: 'E_TEAMS_INVALID', exitCode: 2, message: expect.stringMatching(/bad\.yml, line 3: team "platform" has a slack_channel/)})
    const csv = writeFixture(dir, 'bad.csv', 'project,team,slack_channel\napi,platform,C0ONE\nweb,platform,C0TWO\n')
    await expect(loadTeamRules(csv)).rejects.toThrow(/bad\.csv, line 3: team "platform" has slack_channel C0TWO, but C0ONE on line 2/)
    const extra = writeFixture(dir, 'extra.csv', 'project,team,slack_channel\napi,platform,C0ONE,more\n')
    await expect(loadTeamRules(extra)).rejects.toThrow(/extra\.csv, line 2: expected "project,team,slack_channel" as on line 1/)
    const notChannel = writeFixture(dir, 'not-channel.csv', 'project,team,slack_channel\napi,platform,<!here>\n')
    await expect(loadTeamRules(notChannel)).rejects.toThrow(/not-channel\.csv, line 2: slack_channel is not a channel ID or name/)
    // A bot token has a channel name's shape; it was taken as the team's channel.
    const token = writeFixture(dir, 'token.csv', 'project,team,slack_channel\napi,platform,xoxb-1234567890-AbCdEf\n')
    await expect(loadTeamRules(token)).rejects.toThrow(/token\.csv, line 2: slack_channel is not a channel ID or name/)
  })
})

describe('keys the teams file does not know', () => {
  const problem = (text: string) => {
    try {
      parseTeamsYaml('teams.yml', text)
    } catch (error) {
      return (error as Error).message
    }
    return 'accepted'
  }

  // Before: accepted, and the team silently got no Slack message of its own.
  it('refuses a misspelt field of a list entry, with its line', () => {
    expect(problem('- team: platform\n  projects: [api]\n  slack_chanel: C0PLATFORM\n')).toBe(
      'Teams file teams.yml, line 3: unknown field "slack_chanel" (a list entry has team, projects, slack_channel).',
    )
    expect(problem('teams:\n  - team: platform\n    projects: [api]\n    colour: red\n')).toMatch(/line 4: unknown field "colour"/)
  })

  // Before: 'line 2: team "teams" needs a list of project names or globs', the wrapper read as a team.
  it('refuses a key beside "teams:", naming it and its line', () => {
    expect(problem('teams:\n  platform: [api]\ncolour: red\n')).toBe(
      'Teams file teams.yml, line 3: unknown key "colour" beside "teams": a teams file holds its teams under "teams:" and nothing else; remove the key.',
    )
    expect(problem('defaults: &d [api]\nteams:\n  - team: platform\n    projects: *d\n')).toMatch(/line 1: unknown key "defaults" beside "teams"/)
  })

  it('still reads a team called "teams" in the form without the wrapper', () => {
    const rules = parseTeamsYaml('teams.yml', 'teams: [api]\nweb: [web-*]\n')
    expect(rules.map((rule) => [rule.team, rule.pattern])).toEqual([
      ['teams', 'api'],
      ['web', 'web-*'],
    ])
  })
})

describe('team file names', () => {
  const hostile = ['../../etc/passwd', '<script>alert(1)</script>', 'CON', 'con', 'nul', '', '   ', 'プラットフォーム', 'a/b', 'a b', 'Platform', 'platform', '.hidden', 'x'.repeat(300), 'café-façade', '=cmd|;\n*bold*']

  it('keeps only lower-case letters, digits and dashes, never empty, never a Windows device name', () => {
    for (const team of hostile) {
      const stem = teamFileStem(team)
      expect(stem).toMatch(/^[a-z0-9][a-z0-9-]*$/)
      expect(stem.length).toBeLessThanOrEqual(60)
      expect(stem).not.toMatch(/^(con|prn|aux|nul|com\d|lpt\d)$/)
    }
    expect(teamFileStem('platform')).toBe('platform')
    expect(teamFileStem('café-façade')).toMatch(/^cafe-facade-[0-9a-f]{8}$/)
  })

  it('gives every team its own files, even names that fold alike or imitate a hashed stem', () => {
    const imitation = teamFileStem('Platform')
    const teams = [...hostile, imitation]
    const paths = teamPathsFor(teams)
    const stems = [...paths.values()].map((path) => path.summary)
    expect(new Set(stems).size).toBe(new Set(teams).size)
    for (const path of paths.values()) {
      expect(path.summary).toMatch(/^teams\/[a-z0-9-]+\.json$/)
      expect(path.page).toBe(path.summary.replace(/json$/, 'html'))
    }
  })
})

describe('chargeback arithmetic', () => {
  it('recognises exactly one whole UTC calendar month', () => {
    expect(calendarMonthOf({start: '2024-11-01T00:00:00.000Z', end: '2024-12-01T00:00:00.000Z'})).toBe('2024-11')
    expect(calendarMonthOf({start: '2024-12-01T00:00:00.000Z', end: '2025-01-01T00:00:00.000Z'})).toBe('2024-12')
    expect(calendarMonthOf({start: '2024-02-01T00:00:00.000Z', end: '2024-03-01T00:00:00.000Z'})).toBe('2024-02')
    expect(calendarMonthOf({start: '2024-11-01T00:00:00.000Z', end: '2024-11-30T00:00:00.000Z'})).toBeNull()
    expect(calendarMonthOf({start: '2024-11-02T00:00:00.000Z', end: '2024-12-01T00:00:00.000Z'})).toBeNull()
    expect(calendarMonthOf({start: '2024-11-01T00:00:00.000Z', end: '2025-01-01T00:00:00.000Z'})).toBeNull()
    expect(calendarMonthOf({start: '2024-11-10T00:00:00.000Z', end: '2024-11-19T00:00:00.000Z'})).toBeNull()
  })

  it('prints micro-credits and dollars as exact decimals', () => {
    expect(formatMicroCredits(367_190_000_000n)).toBe('367190')
    expect(formatMicroCredits(500_000n)).toBe('0.5')
    expect(formatMicroCredits(-12_000_001n)).toBe('-12.000001')
    expect(formatMicroCredits(0n)).toBe('0')
    expect(exactDollars(367_190_000_000n, 0.0006)).toBe('220.314')
    expect(exactDollars(1n, 0.0006)).toBe('0.0000000006')
    expect(exactDollars(3_000_000n, 6e-7)).toBe('0.0000018')
    expect(exactDollars(2_000_000n, 1.5)).toBe('3')
    // 0.1 + 0.2 style drift cannot happen: the parts of a total add up to the total's dollars exactly.
    const parts = [1_000_001n, 2_333_333n, 7_666_666n]
    const sum = parts.map((part) => exactDollars(part, 0.0007)).reduce((a, b) => a + BigInt(b.replace('.', '').padEnd(14, '0')), 0n)
    expect(sum).toBe(BigInt(exactDollars(11_000_000n, 0.0007).replace('.', '').padEnd(14, '0')))
  })

  it('splits (org, project) groups by team, "unassigned" for the rest and for every row without a teams file', () => {
    const group = (org: string, project: string | null, credits: bigint) => ({dims: {org, project}, credits}) as unknown as Group
    const groups = [group('acme', 'api', 5n), group('acme', 'web', 7n), group('other', 'api', 1n), group('acme', null, 2n)]
    const matcher = createTeamMatcher([{team: 'platform', pattern: 'api', line: 1}])
    expect(chargebackRows(groups, matcher).map((row) => [row.team, row.org, row.project, row.credits])).toEqual([
      ['platform', 'acme', 'api', 5n],
      ['platform', 'other', 'api', 1n],
      ['unassigned', 'acme', 'web', 7n],
      ['unassigned', 'acme', null, 2n],
    ])
    expect(chargebackRows(groups, null).every((row) => row.team === 'unassigned')).toBe(true)
    // A row without a project is matched as "(none)", as the team pages and FOCUS match it: a "(none)" entry claims it.
    const withNone = createTeamMatcher([{team: 'platform', pattern: 'api', line: 1}, {team: 'ops', pattern: NONE_LABEL, line: 2}])
    expect(chargebackRows(groups, withNone).filter((row) => row.project === null).map((row) => [row.team, row.credits])).toEqual([['ops', 2n]])
  })
})

describe("a team's savings", () => {
  it('keeps only its projects and ranks its own top opportunities', () => {
    const candidate = (project: string, saved: number) => ({project, job: 'build', resourceClass: 'large', suggestedClass: 'medium', direction: 'down', estimatedSavingsPerWeek: saved, change: `resource_class: medium in job build of project ${project}`, runs: 9, runsWithUtilisation: 9, medianCpuPct: 10, medianRamPct: 10, p95MaxCpuPct: 20, p95MaxRamPct: 20, spikeShare: 0, creditsPerWeek: saved * 2, currentRate: 20, suggestedRate: 10}) as never
    const savings = {
      thresholds: {minRuns: 5, lowUtilisationPct: 40, spikePct: 70, maxSpikeShare: 0.1, highUtilisationPct: 80},
      rateTable: {source: 's', date: 'd'},
      rightsizing: [candidate('big', 900), candidate('mine', 10)],
      underProvisioned: [],
      failingJobs: [{project: 'big', workflow: null, job: 'x', runs: 2, failures: 2, failureRate: 1, failedCredits: 500}],
      top: [],
    } as Savings
    const mine = teamSavings(savings, (project) => project === 'mine')!
    expect(mine.rightsizing).toHaveLength(1)
    expect(mine.failingJobs).toEqual([])
    expect(mine.top.map((item) => item.change)).toEqual(['resource_class: medium in job build of project mine'])
    expect(JSON.stringify(mine)).not.toContain('big')
    expect(teamSavings(null, () => true)).toBeNull()
  })
})

describe("a team's anomalies", () => {
  const spike = (scope: Anomaly['scope'], name: string): Anomaly => ({day: '2026-11-20', scope, name, credits: 900, baseline: 30, ratio: 30})
  const all = [spike('org', 'acme'), spike('team', 'data'), spike('team', 'web'), spike('project', 'etl'), spike('project', 'acme/api'), spike('project', 'site'), spike('project', '(none)')]

  it('keeps its own team spike and those of its projects, also a project named org/project when two orgs share the name', () => {
    expect(teamAnomalies(all, 'data', ['etl', 'api', null])!.map((anomaly) => `${anomaly.scope}:${anomaly.name}`)).toEqual([
      'team:data',
      'project:etl',
      'project:acme/api',
      'project:(none)',
    ])
    expect(teamAnomalies(all, 'web', ['site'])!.map((anomaly) => anomaly.name)).toEqual(['web', 'site'])
  })

  it('stays null without a history (no detection), and is empty when nothing of the team spiked', () => {
    expect(teamAnomalies(null, 'data', ['etl'])).toBeNull()
    expect(teamAnomalies(all, 'docs', ['handbook'])).toEqual([])
  })
})

describe('shares-for answers', () => {
  it('reads {"orgs": [{id, name, vcs_type}]} and refuses other shapes', () => {
    expect(parseSharesFor({orgs: [{id: 'a-1', name: 'acme', vcs_type: 'github'}, {id: 'b-2'}]})).toEqual([
      {id: 'a-1', name: 'acme', vcsType: 'github'},
      {id: 'b-2', name: null, vcsType: null},
    ])
    expect(parseSharesFor({orgs: []})).toEqual([])
    for (const body of [null, 'html', [], {}, {orgs: {}}, {orgs: [{name: 'x'}]}, {orgs: [{id: 'a b'}]}, {orgs: [{id: '--org-id'}]}]) {
      expect(parseSharesFor(body)).toBeNull()
    }
  })

  it('merges found ids with the given ones, each once, never the primary org', () => {
    const found = [{id: 'p', name: null, vcsType: null}, {id: 'b', name: null, vcsType: null}, {id: 'c', name: null, vcsType: null}]
    expect(mergeSharedOrgIds('p', ['b', 'x'], found)).toEqual(['b', 'x', 'c'])
  })
})

describe('chargeback-YYYY-MM.csv', () => {
  it('is spreadsheet-safe for hostile names and keeps credits and dollars as exact numbers', async () => {
    const {writeChargebackCsv} = await import('../../src/report/chargeback.js')
    const {readFileSync} = await import('node:fs')
    const {join} = await import('node:path')
    const {parseString} = await import('fast-csv')
    const dir = tempDir()
    const name = await writeChargebackCsv(dir, '2024-11', [
      {team: '=cmd|" /C calc"!A0', org: '+org; "x"', project: '@sum(A1)\n<script>', credits: 1_500_000n},
      {team: 'unassigned', org: null, project: null, credits: 2n},
    ], 0.0006)
    expect(name).toBe('chargeback-2024-11.csv')
    const rows: string[][] = []
    await new Promise<void>((resolve, reject) => {
      parseString(readFileSync(join(dir, name), 'utf8')).on('data', (row: string[]) => rows.push(row)).on('error', reject).on('end', () => resolve())
    })
    expect(rows).toEqual([
      ['team', 'organization', 'project', 'credits', 'dollars'],
      [`'=cmd|" /C calc"!A0`, `'+org; "x"`, `'@sum(A1)\n<script>`, '1.5', '0.0009'],
      ['unassigned', '', '', '0.000002', '0.0000000012'],
    ])
  })
})

describe('dollarsInCents', () => {
  it('rounds the exact product to cents, half away from zero', () => {
    // 1,675 credits at $0.0006 is exactly $1.005; the float product is 1.00499...
    expect(dollarsInCents(1_675_000_000n, 0.0006)).toBe(1.01)
    expect(dollarsInCents(1_674_999_999n, 0.0006)).toBe(1)
    expect(dollarsInCents(-1_675_000_000n, 0.0006)).toBe(-1.01)
    expect(dollarsInCents(532_406_000_000n, 0.0006)).toBe(319.44)
    expect(dollarsInCents(1n, 2)).toBe(0)
  })
})

describe('numberToCredits', () => {
  it('reads back, to the micro-credit, every figure the Summary holds as a number', () => {
    // creditsToNumber writes micro-credits as the nearest double; 0.000003 x 10^6 is 2.9999999999999996 in floats.
    const samples = [...Array.from({length: 20_000}, (_, i) => BigInt(i)), 532_406_000_000n, 80_625_000_001n, 1_234_567_890_123_457n, -12_000_001n]
    const wrong = samples.filter((micro) => numberToCredits(creditsToNumber(micro)) !== micro)
    expect(wrong).toEqual([])
    // So a figure is priced as the exact credits it stands for: 0.000003 credits x $10,000 is 3 cents.
    expect(dollarsOfCreditFigure(creditsToNumber(3n), 10_000)).toBe(dollarsInCents(3n, 10_000))
  })
})

describe('createTeamMatcher', () => {
  test('a project whose name looks like a glob, listed as written, is listed by its exact name', () => {
    const rule = (team: string, pattern: string) => ({team, pattern, line: null})
    const teamOf = createTeamMatcher([rule('platform', '*'), rule('mobile', '*bold*'), rule('web', 'x[1]'), rule('web', 'sdk-*')])
    expect(teamOf('*bold*')).toBe('mobile')
    expect(teamOf('x[1]')).toBe('web')
    // A glob is still a glob for every other name, the first written winning.
    expect(teamOf('bold')).toBe('platform')
    expect(teamOf('sdk-js')).toBe('platform')
    // Neither is named in the warnings as matching no project, or as losing its projects to another team (the
    // catch-all is: every project it matches went to the teams that list them).
    const rules = [rule('platform', '*'), rule('mobile', '*bold*'), rule('web', 'x[1]')]
    expect(unmatchedRules(rules, ['*bold*', 'x[1]'])).toEqual([])
    expect(shadowedRules(rules, ['*bold*', 'x[1]'], createTeamMatcher(rules)).map((entry) => entry.rule.pattern)).toEqual(['*'])
  })

  test('a glob matches a project name holding a "/" as any other character: a catch-all "*" takes it', () => {
    // Project names are not paths. As a path glob, "*" stopped at the "/": the catch-all left "data/etl" unassigned
    // and no warning said so, since "*" matched the other projects (found by the teams fuzz).
    const rule = (team: string, pattern: string) => ({team, pattern, line: null})
    const rules = [rule('web', 'web-*'), rule('data', 'data/*'), rule('rest', '*')]
    const teamOf = createTeamMatcher(rules)
    expect(['web-a/b', 'data/etl', 'tools/x', 'api'].map(teamOf)).toEqual(['web', 'data', 'rest', 'rest'])
    expect(unmatchedRules([rule('ops', 'ops*')], ['ops/infra'])).toEqual([])
  })
})
