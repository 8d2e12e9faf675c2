/** A team's Slack message: named in the header and fallback, escaped, and within Block Kit's limits. */
import {buildSlackMessage} from '../../src/slack/payload.js'
import {dryRunOutput} from '../../src/slack/delivery.js'
import {allTexts, blockKitViolations} from '../slack/block-kit-limits.js'
import {bucket, normalWeek} from '../slack/fixtures.js'
import {teamBudgets} from '../../src/analysis/team-summary.js'
import type {BudgetStatus} from '../../src/analysis/summary.js'

const HOSTILE_TEAMS = ['<!channel> *ops* & _x_ `y` ~z~', 'line\nbreak <@U123>', 'x'.repeat(5000), '😀'.repeat(200)]

describe('a team message', () => {
  it.each(HOSTILE_TEAMS)('stays inside the limits and inert for team %#', (team) => {
    const summary = {...normalWeek, filters: {team}}
    const message = buildSlackMessage(summary, {team, topProjects: 50})
    expect(blockKitViolations(message)).toEqual([])
    const texts = allTexts(message)
    for (const text of texts) {
      expect(text).not.toMatch(/<!channel>|<@U123>/)
      expect(text).not.toContain('\nbreak')
    }
    expect((message.blocks[0] as {text: {text: string}}).text.text).toMatch(/^CircleCI usage · team /)
    expect(message.text).toMatch(/^CircleCI usage for team /)
    // The team is the header's subject; the filter line does not repeat it.
    expect(texts.some((text) => text.startsWith('Filtered: team='))).toBe(false)
  })

  it('is the organization message when no team is given', () => {
    const message = buildSlackMessage(normalWeek, {})
    expect(message.text).toMatch(/^CircleCI usage for determined-ai/)
  })
})

describe("the organization message's teams", () => {
  const total = normalWeek.totals.credits.total
  const teamsSection = (message: {text: string; blocks: object[]}) =>
    allTexts(message).find((text) => /^\*(Teams|Top \d+ teams of \d+)\*/.test(text)) ?? ''

  it('says how many teams it shows of how many, as the projects do, when --top leaves some out', () => {
    const seven = Array.from({length: 7}, (_, index) => bucket(`team-${index + 1}`, 7000 - index * 1000, total))
    const section = teamsSection(buildSlackMessage({...normalWeek, breakdowns: {...normalWeek.breakdowns, team: seven}}, {topProjects: 5}))
    expect(section.split('\n')).toEqual(['*Top 5 teams of 7*', ...['team-1', 'team-2', 'team-3', 'team-4', 'team-5'].map((team) => expect.stringMatching(new RegExp(`^• ${team}: `)))])
    expect(teamsSection(buildSlackMessage({...normalWeek, breakdowns: {...normalWeek.breakdowns, team: seven}}, {topProjects: 7})).split('\n')[0]).toBe('*Teams*')
  })

  it('lists no "(other)" roll-up of the report --top as if it were a team, and counts its teams', () => {
    const rolledUp = [bucket('platform', 9000, total), bucket('web', 5000, total), bucket('(other)', 4000, total, {members: 3})]
    const section = teamsSection(buildSlackMessage({...normalWeek, breakdowns: {...normalWeek.breakdowns, team: rolledUp}}, {topProjects: 5}))
    expect(section).toMatch(/^\*Top 2 teams of 5\*\n• platform: 9,000 credits \([\d.]+%\)\n• web: 5,000 credits \([\d.]+%\)$/)
  })
})

describe('--dry-run output', () => {
  const result = (reason: string, channel?: string) => ({posted: false, reason, dryRun: true, uploaded: false, warnings: [], channel, payload: {channel, text: 't', blocks: []}})

  it('is the payload alone without team messages, and every payload labelled by channel with them', () => {
    const organization = result('would post', 'C0ORG00001')
    expect(dryRunOutput({organization, teams: [], warnings: []})).toEqual(organization.payload)
    expect(dryRunOutput({organization, teams: [{...result('would not post', 'C0TEAM0001'), team: 'platform'}], warnings: []})).toEqual([
      {channel: 'C0ORG00001', for: 'organization', decision: 'would post', payload: organization.payload},
      {channel: 'C0TEAM0001', for: 'team platform', decision: 'would not post', payload: {channel: 'C0TEAM0001', text: 't', blocks: []}},
    ])
  })
})

describe("a team's budgets", () => {
  const budget = (scope: BudgetStatus['scope'], name: string, status: BudgetStatus['status'] = 'ok'): BudgetStatus => ({
    scope, name, period: 'month', limit: 1000, unit: 'credits', actual: 100, projected: status === 'ok' ? 500 : 1200, pctOfLimit: status === 'ok' ? 50 : 120, status,
  })
  const orgBudgets = [budget('org', 'acme'), budget('team', 'platform'), budget('team', 'plat*', 'over'), budget('team', 'data'), budget('project', 'api-gateway'), budget('project', 'etl')]

  it('are the team budgets naming it (exact or glob) and the project budgets naming one of its projects', () => {
    expect(teamBudgets(orgBudgets, 'platform', ['api-gateway', 'web&api'])?.map((item) => `${item.scope} ${item.name}`)).toEqual([
      'team platform', 'team plat*', 'project api-gateway',
    ])
    expect(teamBudgets(orgBudgets, 'data', ['etl'])?.map((item) => `${item.scope} ${item.name}`)).toEqual(['team data', 'project etl'])
    expect(teamBudgets(null, 'data', ['etl'])).toBeNull()
  })

  it('are all in the team message: the one at risk leads, the ok ones follow; the org message shows only those at risk', () => {
    const mine = teamBudgets(orgBudgets, 'platform', ['api-gateway'])
    const teamMessage = buildSlackMessage({...normalWeek, filters: {team: 'platform'}, budgets: mine}, {team: 'platform'})
    const texts = allTexts(teamMessage)
    const atRisk = texts.findIndex((text) => text.startsWith('*Budgets at risk (1 of 3)*'))
    const ok = texts.findIndex((text) => text.startsWith('*Budgets*\n'))
    expect(atRisk).toBeGreaterThan(0)
    expect(ok).toBeGreaterThan(atRisk)
    expect(texts[ok]).toContain('team platform (month)')
    expect(texts[ok]).toContain('project api-gateway (month)')
    const orgMessage = buildSlackMessage({...normalWeek, budgets: orgBudgets}, {})
    expect(allTexts(orgMessage).some((text) => text.startsWith('*Budgets*\n'))).toBe(false)
    expect(blockKitViolations(teamMessage)).toEqual([])
  })
})
