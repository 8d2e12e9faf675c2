import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {NotifyError} from '../../src/core/errors.js'
import {forgetSecrets} from '../../src/core/secrets.js'
import {notifySlack, type NotifyOptions, type NotifyResult} from '../../src/slack/index.js'
import {FAKE_TS, startFakeSlack, type FakeSlack} from '../helpers/fake-slack.js'
import {normalWeek} from './fixtures.js'

/** The first bytes of a real PNG, enough for the upload to carry recognisable content. */
const PNG_BYTES = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('fake-chart-body')])

let slack: FakeSlack
let dir: string
let chartPng: string
let logs: string[]

beforeEach(async () => {
  slack = await startFakeSlack()
  dir = await mkdtemp(join(tmpdir(), 'cci-usage-slack-'))
  chartPng = join(dir, 'credits-by-project.png')
  await writeFile(chartPng, PNG_BYTES)
  logs = []
})

afterEach(async () => {
  await slack.close()
  await rm(dir, {recursive: true, force: true})
  forgetSecrets()
})

function options(overrides: Partial<NotifyOptions> = {}): NotifyOptions {
  return {
    policy: {mode: 'always'},
    token: slack.token,
    channel: 'C0USAGE001',
    apiUrl: slack.apiUrl,
    chartPng,
    dryRun: false,
    strict: false,
    // Short waits so that retries cost milliseconds in tests; Retry-After is still honoured as sent.
    retry: {attempts: 3, baseDelayMs: 10, maxRetryAfterSec: 5, requestTimeoutMs: 5000},
    ...overrides,
  }
}

const notify = (overrides: Partial<NotifyOptions> = {}) => notifySlack(normalWeek, options(overrides), (line) => logs.push(line))

function expectNoSecrets(result: NotifyResult) {
  const everything = [...logs, JSON.stringify(result)].join('\n')
  expect(everything).not.toContain(slack.token)
  expect(everything).not.toContain(slack.webhookUrl)
  expect(everything).not.toContain('xW3bh00kS3cr3t')
}

describe('notifySlack with a bot token', () => {
  it('posts the message, then uploads the chart into its thread', async () => {
    const result = await notify({channel: '#usage'})
    expect(result).toMatchObject({posted: true, uploaded: true, channel: 'C0USAGE001', ts: FAKE_TS, warnings: []})
    expect(slack.requests.map((request) => request.route)).toEqual([
      'chat.postMessage',
      'files.getUploadURLExternal',
      'upload',
      'files.completeUploadExternal',
    ])
    const [post, getUrl, upload, complete] = slack.requests
    expect(post.headers.authorization).toBe(`Bearer ${slack.token}`)
    expect(post.fields.channel).toBe('#usage')
    const payload = result.payload as {text: string; blocks: object[]}
    expect(post.fields.text).toBe(payload.text)
    expect(JSON.parse(String(post.fields.blocks))).toEqual(payload.blocks)
    expect(getUrl.fields).toMatchObject({filename: 'credits-by-project.png', length: String(PNG_BYTES.length)})
    expect(upload.raw.includes(PNG_BYTES)).toBe(true)
    // The upload needs the channel ID, which Slack returned for the #name the message was posted to.
    expect(complete.fields).toMatchObject({channel_id: 'C0USAGE001', thread_ts: FAKE_TS})
    expect(JSON.parse(String(complete.fields.files))).toEqual([{id: 'F0FAKE0001', title: 'Credits by project'}])
    expectNoSecrets(result)
  })

  it('skips the upload quietly when there is no chart', async () => {
    const result = await notify({chartPng: join(dir, 'missing.png')})
    expect(result).toMatchObject({posted: true, uploaded: false, warnings: []})
    expect(slack.requests.map((request) => request.route)).toEqual(['chat.postMessage'])
  })

  const failures: {name: string; script: () => void; token?: string; code: string; line: string}[] = [
    {
      name: 'channel_not_found',
      script: () => slack.script('chat.postMessage', {body: {ok: false, error: 'channel_not_found'}}),
      code: 'E_SLACK_CHANNEL_NOT_FOUND',
      line: 'Slack could not post the summary: channel C0USAGE001 not found (channel_not_found); check --slack-channel / SLACK_DEFAULT_CHANNEL, and for a private channel invite the bot with /invite @app',
    },
    {
      name: 'not_in_channel',
      script: () => slack.script('chat.postMessage', {body: {ok: false, error: 'not_in_channel'}}),
      code: 'E_SLACK_NOT_IN_CHANNEL',
      line: 'Slack could not post the summary: the bot is not a member of C0USAGE001 (not_in_channel); invite it there with /invite @app',
    },
    {
      name: 'invalid_auth (a wrong token)',
      script: () => undefined,
      token: 'xoxb-wrong-token-9999',
      code: 'E_SLACK_AUTH',
      line: "Slack could not post the summary: the token was refused (invalid_auth); check that SLACK_ACCESS_TOKEN / --slack-token holds the app's bot token (xoxb-...)",
    },
    {
      name: 'token_revoked',
      script: () => slack.script('chat.postMessage', {body: {ok: false, error: 'token_revoked'}}),
      code: 'E_SLACK_TOKEN_REVOKED',
      line: 'Slack could not post the summary: the token is no longer valid (token_revoked); regenerate it (reinstall the app) and update SLACK_ACCESS_TOKEN',
    },
    {
      name: 'missing_scope',
      script: () => slack.script('chat.postMessage', {body: {ok: false, error: 'missing_scope', needed: 'chat:write', provided: 'channels:read'}}),
      code: 'E_SLACK_MISSING_SCOPE',
      line: 'Slack could not post the summary: the token lacks the chat:write scope (missing_scope); add the chat:write scope (and files:write for the chart) under OAuth & Permissions, then reinstall the app',
    },
  ]

  for (const failure of failures) {
    it(`reports ${failure.name} in one line as a warning, and fails with --strict-notify`, async () => {
      failure.script()
      const result = await notify({token: failure.token ?? slack.token})
      expect(result).toMatchObject({posted: false, uploaded: false, failure: {code: failure.code, message: failure.line}})
      expect(result.warnings).toEqual([failure.line])
      // Not retried: a configuration problem does not fix itself.
      expect(slack.requests.filter((request) => request.route === 'chat.postMessage')).toHaveLength(1)
      expectNoSecrets(result)

      failure.script()
      const strict = notify({token: failure.token ?? slack.token, strict: true})
      await expect(strict).rejects.toThrow(NotifyError)
      await expect(strict).rejects.toMatchObject({code: failure.code, exitCode: 6, message: failure.line})
    })
  }

  it('waits for Retry-After on a 429 and retries', async () => {
    slack.script('chat.postMessage', {status: 429, headers: {'retry-after': '1'}, body: {ok: false, error: 'ratelimited'}})
    const result = await notify({chartPng: undefined})
    expect(result).toMatchObject({posted: true, ts: FAKE_TS})
    const posts = slack.requests.filter((request) => request.route === 'chat.postMessage')
    expect(posts).toHaveLength(2)
    // The retry came after the second Slack asked for (a lower bound, so it cannot flake on a slow machine).
    expect(posts[1].at - posts[0].at).toBeGreaterThanOrEqual(950)
    expect(logs).toContain('Slack could not post the summary: rate limited by Slack (Retry-After 1s); retrying in 1.0s (attempt 2 of 3)')
  })

  it('does not wait longer than the bound for a long Retry-After', async () => {
    slack.script('chat.postMessage', {status: 429, headers: {'retry-after': '120'}, body: {ok: false, error: 'ratelimited'}})
    const result = await notify()
    expect(result.failure).toEqual({
      code: 'E_SLACK_RATE_LIMITED',
      message: 'Slack could not post the summary: rate limited by Slack (Retry-After 120s); rerun `cci-usage notify` later',
    })
    expect(slack.requests).toHaveLength(1)
  })

  it('retries 5xx answers and dropped connections, then succeeds', async () => {
    slack.script('chat.postMessage', {status: 503, body: 'upstream unavailable'}, {network: 'reset'})
    const result = await notify({chartPng: undefined})
    expect(result.posted).toBe(true)
    expect(slack.requests.filter((request) => request.route === 'chat.postMessage')).toHaveLength(3)
    // Each retry says what went wrong in words, not an internal code.
    const retries = logs.filter((line) => line.includes('retrying in'))
    expect(retries).toHaveLength(2)
    expect(retries[0]).toMatch(/^Slack could not post the summary: Slack answered HTTP 503; retrying in \d+\.\ds \(attempt 2 of 3\)$/)
    expect(retries[1]).toMatch(/^Slack could not post the summary: could not reach Slack at 127\.0\.0\.1:\d+ \((?:[A-Z_]+|[a-z ]+)\); retrying in \d+\.\ds \(attempt 3 of 3\)$/)
    expect(retries.join('\n')).not.toContain('E_SLACK')
  })

  it('gives up after the bounded attempts with one line', async () => {
    slack.script('chat.postMessage', {status: 502}, {status: 502}, {status: 502})
    const result = await notify()
    expect(result.failure?.message).toBe(
      'Slack could not post the summary: Slack answered HTTP 502; check https://slack-status.com and rerun `cci-usage notify`',
    )
    expect(slack.requests).toHaveLength(3)
  })

  it('names the host and the fix when Slack cannot be reached', async () => {
    const unreachable = 'http://127.0.0.1:9/api/'
    const result = await notify({apiUrl: unreachable, retry: {attempts: 2, baseDelayMs: 10}})
    expect(result.failure?.message).toBe(
      'Slack could not post the summary: could not reach Slack at 127.0.0.1:9 (ECONNREFUSED); check the network and --slack-api-url / SLACK_API_URL',
    )
  })

  it('keeps the message when the chart upload fails, even with --strict-notify', async () => {
    slack.script('files.getUploadURLExternal', {body: {ok: false, error: 'missing_scope', needed: 'files:write'}})
    const result = await notify({strict: true})
    expect(result).toMatchObject({posted: true, uploaded: false})
    expect(result.warnings).toEqual([
      'Slack could not upload the chart: the token lacks the files:write scope (missing_scope); add the chat:write scope (and files:write for the chart) under OAuth & Permissions, then reinstall the app',
    ])
  })

  it('explains that uploads need a channel ID when Slack did not return one', async () => {
    slack.script('chat.postMessage', {body: {ok: true, channel: 'usage', ts: FAKE_TS}})
    const result = await notify({channel: 'usage'})
    expect(result).toMatchObject({posted: true, uploaded: false})
    expect(result.warnings).toEqual([
      'chart not uploaded: uploads need a channel ID (such as C0123456789), not "usage"; set --slack-channel / SLACK_DEFAULT_CHANNEL to the channel\'s ID',
    ])
  })
})

describe('notifySlack with an incoming webhook', () => {
  it('posts text and blocks only, and says why the chart is not attached', async () => {
    const result = await notify({token: undefined, channel: undefined, webhookUrl: slack.webhookUrl})
    expect(result).toMatchObject({posted: true, uploaded: false, warnings: []})
    expect(slack.requests.map((request) => request.route)).toEqual(['webhook'])
    const body = slack.requests[0].fields
    expect(Object.keys(body).sort()).toEqual(['blocks', 'text'])
    expect(body).toEqual({text: (result.payload as {text: string}).text, blocks: (result.payload as {blocks: object[]}).blocks})
    expect(logs).toContain('Slack: chart not uploaded: incoming webhooks cannot upload files (use a bot token with files:write)')
    expectNoSecrets(result)
  })

  it('reports a deleted webhook in one line without quoting its URL', async () => {
    slack.script('webhook', {status: 404, body: 'no_service'})
    const result = await notify({token: undefined, channel: undefined, webhookUrl: slack.webhookUrl})
    expect(result.warnings).toEqual([
      'Slack could not post the summary: the incoming webhook no longer exists (no_service); create a new one and update SLACK_WEBHOOK_URL',
    ])
    expectNoSecrets(result)
  })

  it('retries a rate-limited webhook', async () => {
    slack.script('webhook', {status: 429, headers: {'retry-after': '1'}, body: 'rate_limited'})
    const result = await notify({token: undefined, channel: undefined, webhookUrl: slack.webhookUrl})
    expect(result.posted).toBe(true)
    expect(slack.requests).toHaveLength(2)
  })
})

describe('notifySlack decisions before any request', () => {
  it('prints the payload on --dry-run without a token and posts nothing', async () => {
    const result = await notify({token: undefined, dryRun: true})
    expect(result).toMatchObject({posted: false, dryRun: true, channel: 'C0USAGE001'})
    expect(Object.keys(result.payload ?? {})).toEqual(['channel', 'text', 'blocks'])
    expect(result.reason).toBe('dry run, nothing posted (would post: --notify always)')
    expect(slack.requests).toHaveLength(0)
  })

  it('does not post below the threshold and says why', async () => {
    const result = await notify({policy: {mode: 'always', changeOverPct: 25}})
    expect(result).toMatchObject({posted: false, reason: 'not posting: credits changed +10.92% vs the previous window (below --notify-if-change-over 25%)'})
    expect(slack.requests).toHaveLength(0)
  })

  it('names the missing configuration in one line', async () => {
    const result = await notify({token: undefined, channel: undefined})
    expect(result.warnings).toEqual([
      'Slack is not configured: set SLACK_ACCESS_TOKEN and SLACK_DEFAULT_CHANNEL (or --slack-token/--slack-channel), or SLACK_WEBHOOK_URL; use --dry-run to preview the message',
    ])
    await expect(notify({token: undefined, channel: undefined, strict: true})).rejects.toMatchObject({code: 'E_SLACK_NOT_CONFIGURED', exitCode: 6})
    const noChannel = await notify({channel: undefined})
    expect(noChannel.failure?.code).toBe('E_SLACK_NO_CHANNEL')
    expect(slack.requests).toHaveLength(0)
  })

  it('a channel without a token says the token is what is missing, not the channel too', async () => {
    const result = await notify({token: undefined})
    expect(result.failure?.code).toBe('E_SLACK_NOT_CONFIGURED')
    expect(result.warnings).toEqual([
      'Slack is not configured: a channel was given but no token; set SLACK_ACCESS_TOKEN or --slack-token (a bot token, xoxb-...), or SLACK_WEBHOOK_URL; use --dry-run to preview the message',
    ])
    expect(slack.requests).toHaveLength(0)
  })
})

describe('notifySlack sends the bot token to the configured API host only', () => {
  it('uploads the chart to an upload_url on another host without the token', async () => {
    const files = await startFakeSlack('xoxb-other-host-never-receives-it')
    try {
      slack.script('files.getUploadURLExternal', {body: {ok: true, upload_url: `${files.apiUrl.replace(/\/api\/$/, '')}/upload/F0ELSEWHERE`, file_id: 'F0ELSEWHERE'}})
      const result = await notify()
      expect(result).toMatchObject({posted: true, uploaded: true})
      expect(files.requests.map((request) => request.route)).toEqual(['upload'])
      expect(files.requests[0].raw.includes(PNG_BYTES)).toBe(true)
      expect(files.requests[0].headers.authorization).toBeUndefined()
      expect(JSON.stringify(files.requests[0].headers)).not.toContain(slack.token)
      // The API host itself still gets the token on every call.
      for (const request of slack.requests) expect(request.headers.authorization).toBe(`Bearer ${slack.token}`)
    } finally {
      await files.close()
    }
  })
})
