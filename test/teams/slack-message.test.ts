/** A team's Slack message: named in the header and fallback, escaped, and within Block Kit's limits. */
import {buildSlackMessage} from '../../src/slack/payload.js'
import {dryRunOutput} from '../../src/slack/delivery.js'
import {allTexts, blockKitViolations} from '../slack/block-kit-limits.js'
import {normalWeek} from '../slack/fixtures.js'

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
