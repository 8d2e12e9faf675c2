/**
 * Per-team delivery end to end with the built CLI: `run --demo --teams` (discovery on, as the demo runs), then
 * Slack through the fake Slack API. Every team with a channel gets its own message there, naming only its own
 * projects; one channel failing leaves the others their messages; thresholds apply per message.
 */
import {existsSync} from 'node:fs'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {Summary} from '../../src/analysis/summary.js'
import {shouldNotify} from '../../src/slack/policy.js'
import {mrkdwnName, plainName} from '../../src/slack/text.js'
import {isBuilt, runCli} from '../helpers/cli.js'
import {startFakeSlack, type FakeSlack, type RecordedRequest} from '../helpers/fake-slack.js'
import {allTexts, blockKitViolations} from '../slack/block-kit-limits.js'

const HOSTILE_TEAM = '<!channel> *mobile* & co'
const TEAMS_YAML = [
  '- team: platform',
  '  projects: [api-gateway, "web*", infra]',
  '  slack_channel: C0PLATFORM',
  `- team: ${JSON.stringify(HOSTILE_TEAM)}`,
  '  projects: [mobile-ios, windows-client]',
  '  slack_channel: C0MOBILE01',
  '- team: data',
  '  projects: [data-pipeline, ml-research, "sdk-*"]',
  '',
].join('\n')

let out: string
let teamsFile: string
let summary: Summary
let teamSummaries: Map<string, Summary>
let allProjects: string[]

beforeAll(async () => {
  if (!isBuilt('run')) throw new Error('dist/ is not built: run `npm run build` first')
  out = await mkdtemp(join(tmpdir(), 'cci-usage-teams-'))
  teamsFile = join(out, 'teams.yml')
  await writeFile(teamsFile, TEAMS_YAML)
})

afterAll(async () => {
  if (out) await rm(out, {recursive: true, force: true})
})

function postsOf(slack: FakeSlack): {channel: string; text: string; blocks: object[]}[] {
  return slack.requests
    .filter((request: RecordedRequest) => request.route === 'chat.postMessage')
    .map((request) => ({channel: String(request.fields.channel), text: String(request.fields.text), blocks: JSON.parse(String(request.fields.blocks)) as object[]}))
}

/** True when the message names the project, in any of the forms a name takes in a payload. */
function names(texts: string[], project: string): boolean {
  const forms = [project, mrkdwnName(project, 80), plainName(project, 80)]
  return texts.some((text) => forms.some((form) => text.includes(form)))
}

describe('run --demo --teams --notify always --dry-run', () => {
  let stdout: string

  it('writes the report with team pages, a shared plan and the organizations', async () => {
    const result = await runCli(['run', '--demo', '--out', out, '--teams', teamsFile, '--notify', 'always', '--dry-run'], {SLACK_DEFAULT_CHANNEL: 'C0USAGE001'})
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/not part of CircleCI's public API/)
    stdout = result.stdout
    summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as Summary
    allProjects = (await readFile(join(out, 'by-project.csv'), 'utf8')).split('\n').slice(1).filter(Boolean).map((line) => line.split(',')[0])
    expect(allProjects.length).toBeGreaterThan(5)

    expect(summary.sharedPlan?.orgs.map((org) => org.name)).toEqual(['acme', 'acme-labs', 'acme-oss'])
    expect(summary.sharedPlan!.orgs.reduce((sum, org) => sum + org.credits, 0)).toBeCloseTo(summary.totals.credits.total, 6)
    expect(existsSync(join(out, 'by-org.csv'))).toBe(true)

    teamSummaries = new Map()
    for (const entry of summary.teams!) {
      expect(existsSync(join(out, entry.page!))).toBe(true)
      teamSummaries.set(entry.team, JSON.parse(await readFile(join(out, entry.summary), 'utf8')) as Summary)
    }
    expect([...teamSummaries.keys()]).toEqual(['platform', HOSTILE_TEAM, 'data', 'unassigned'])
    expect(summary.teams!.filter((entry) => entry.chart !== null).map((entry) => entry.team)).toEqual(['platform', HOSTILE_TEAM])

    const html = await readFile(join(out, 'report.html'), 'utf8')
    expect(html).toContain('<section id="orgs"')
    for (const entry of summary.teams!) expect(html).toContain(`href="${entry.page}"`)
    expect(html).not.toContain('<!channel>')
    const page = await readFile(join(out, summary.teams![1].page!), 'utf8')
    expect(page).toContain('&lt;!channel&gt; *mobile* &amp; co')
    expect(page).toContain('href="../report.html"')
    // Self-contained: nothing is fetched.
    expect(page).not.toMatch(/<(link|img|script)[^>]+(href|src)=/)
  })

  it("gives each team its own anomalies, so --notify-if-anomaly applies to the team's message too", () => {
    const anomalies = summary.anomalies ?? []
    expect(anomalies.some((anomaly) => anomaly.scope !== 'org')).toBe(true)
    const projectsOf = (own: Summary) => new Set(own.comparison!.projects.map((project) => project.project))
    for (const [team, own] of teamSummaries) {
      const expected = anomalies.filter((anomaly) => (anomaly.scope === 'team' ? anomaly.name === team : anomaly.scope === 'project' && projectsOf(own).has(anomaly.name)))
      expect([team, own.anomalies]).toEqual([team, expected])
      expect([team, shouldNotify(own, {mode: 'always', anomaly: true}).post]).toEqual([team, expected.length > 0])
    }
    expect([...teamSummaries.values()].some((own) => (own.anomalies ?? []).length > 0)).toBe(true)
  })

  it('prints every payload, labelled by channel', () => {
    const printed = JSON.parse(stdout) as {channel: string; for: string; payload: {channel: string}}[]
    expect(printed.map((item) => [item.channel, item.for])).toEqual([
      ['C0USAGE001', 'organization'],
      ['C0PLATFORM', 'team platform'],
      ['C0MOBILE01', `team ${HOSTILE_TEAM}`],
    ])
    for (const item of printed) expect(item.payload.channel).toBe(item.channel)
  })
})

describe('notify with team channels (fake Slack)', () => {
  let slack: FakeSlack
  const env = () => ({SLACK_ACCESS_TOKEN: slack.token, SLACK_DEFAULT_CHANNEL: 'C0USAGE001', SLACK_API_URL: slack.apiUrl})

  beforeAll(async () => {
    slack = await startFakeSlack()
  })
  afterAll(async () => slack?.close())
  beforeEach(() => {
    slack.requests.length = 0
  })

  it("sends each team its own message in its channel, with its chart, naming only its own projects", async () => {
    const result = await runCli(['notify', '--out', out], env())
    expect(result.code).toBe(0)
    expect(result.stderr).not.toMatch(/Warning/)
    const posts = postsOf(slack)
    expect(posts.map((post) => post.channel)).toEqual(['C0USAGE001', 'C0PLATFORM', 'C0MOBILE01'])
    for (const post of posts) expect(blockKitViolations(post)).toEqual([])

    for (const [team, channel] of [['platform', 'C0PLATFORM'], [HOSTILE_TEAM, 'C0MOBILE01']] as const) {
      const texts = allTexts(posts.find((post) => post.channel === channel)!)
      const own = new Set(teamSummaries.get(team)!.breakdowns.project.map((bucket) => bucket.key))
      expect(own.size).toBeGreaterThan(0)
      for (const project of own) if (project !== '(other)') expect(names(texts, project)).toBe(true)
      for (const project of allProjects.filter((name) => !own.has(name))) expect([team, project, names(texts, project)]).toEqual([team, project, false])
      expect(texts.join('\n')).not.toContain('<!channel>')
    }
    // Each team's chart went into its own message's thread.
    const uploads = slack.requests.filter((request) => request.route === 'files.completeUploadExternal').map((request) => request.fields.channel_id)
    expect(uploads).toEqual(['C0USAGE001', 'C0PLATFORM', 'C0MOBILE01'])
    const platformPng = await readFile(join(out, summary.teams![0].chart!))
    expect(slack.requests.filter((request) => request.route === 'upload').some((request) => request.raw.includes(platformPng))).toBe(true)
  })

  it('warns naming the channel when one team channel fails, and still posts the others', async () => {
    slack.script('chat.postMessage', {body: {ok: true, channel: 'C0USAGE001', ts: '1.1'}}, {body: {ok: false, error: 'channel_not_found'}})
    const result = await runCli(['notify', '--out', out], env())
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/Warning: team "platform", channel C0PLATFORM: .*channel_not_found/)
    expect(postsOf(slack).map((post) => post.channel)).toEqual(['C0USAGE001', 'C0PLATFORM', 'C0MOBILE01'])
  })

  it('exits 6 with --strict-notify, after the other teams got theirs', async () => {
    slack.script('chat.postMessage', {body: {ok: true, channel: 'C0USAGE001', ts: '1.1'}}, {body: {ok: false, error: 'channel_not_found'}})
    const result = await runCli(['notify', '--out', out, '--strict-notify'], env())
    expect(result.code).toBe(6)
    expect(result.stderr).toMatch(/Error: .*C0PLATFORM/)
    expect(postsOf(slack).map((post) => post.channel)).toEqual(['C0USAGE001', 'C0PLATFORM', 'C0MOBILE01'])
  })

  it('applies --notify-if-change-over to each message on its own', async () => {
    const changes = [summary, teamSummaries.get('platform')!, teamSummaries.get(HOSTILE_TEAM)!].map((own) => Math.abs(own.comparison!.change.pct!))
    const sorted = [...new Set(changes)].sort((a, b) => a - b)
    expect(sorted.length).toBeGreaterThan(1)
    const threshold = (sorted[0] + sorted[1]) / 2
    const result = await runCli(['notify', '--out', out, '--notify-if-change-over', String(threshold)], env())
    expect(result.code).toBe(0)
    const expected = ['C0USAGE001', 'C0PLATFORM', 'C0MOBILE01'].filter((_, index) => changes[index] >= threshold)
    expect(expected.length).toBeGreaterThan(0)
    expect(expected.length).toBeLessThan(3)
    expect(postsOf(slack).map((post) => post.channel)).toEqual(expected)
  })

  it('says that a webhook cannot reach team channels', async () => {
    const result = await runCli(['notify', '--out', out], {SLACK_WEBHOOK_URL: slack.webhookUrl})
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/Warning: 2 team message\(s\) not sent \(channels C0PLATFORM, C0MOBILE01\): .*bot token/)
    expect(slack.requests.map((request) => request.route)).toEqual(['webhook'])
  })

  it('a dry run with a webhook says the team messages would not be sent, and marks them so in the payload list', async () => {
    const result = await runCli(['notify', '--out', out, '--dry-run', '--strict-notify'], {SLACK_WEBHOOK_URL: slack.webhookUrl})
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/Warning: 2 team message\(s\) would not be sent \(channels C0PLATFORM, C0MOBILE01\): .*bot token/)
    const printed = JSON.parse(result.stdout) as {for: string; decision: string}[]
    expect(printed.filter((entry) => entry.for.startsWith('team ')).map((entry) => entry.decision)).toEqual([
      expect.stringMatching(/^would not be sent: .*bot token/),
      expect.stringMatching(/^would not be sent: .*bot token/),
    ])
    expect(slack.requests).toEqual([])
  })

  it('with a webhook, counts as missed only the team messages the policy would send', async () => {
    const quiet = await runCli(['notify', '--out', out, '--notify', 'never', '--strict-notify'], {SLACK_WEBHOOK_URL: slack.webhookUrl})
    expect([quiet.code, quiet.stderr]).toEqual([0, expect.not.stringMatching(/not sent/)])

    // A threshold between the two teams' credits: only the bigger team's message would go out, so only its channel is missed.
    const [platform, mobile] = [teamSummaries.get('platform')!, teamSummaries.get(HOSTILE_TEAM)!].map((own) => own.totals.credits.total)
    expect(platform).not.toBe(mobile)
    const [bigger] = platform > mobile ? ['C0PLATFORM'] : ['C0MOBILE01']
    const threshold = String((platform + mobile) / 2)
    const some = await runCli(['notify', '--out', out, '--notify-if-credits-over', threshold], {SLACK_WEBHOOK_URL: slack.webhookUrl})
    expect(some.code).toBe(0)
    expect(some.stderr).toMatch(new RegExp(`Warning: 1 team message\\(s\\) not sent \\(channels ${bigger}\\)`))
  })
})
