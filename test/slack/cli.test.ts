/** One end-to-end run of the built CLI against the fake Slack (build first: npm run build). */
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {isBuilt, runCli} from '../helpers/cli.js'
import {FAKE_TS, startFakeSlack, type FakeSlack} from '../helpers/fake-slack.js'
import {normalWeek} from './fixtures.js'


let slack: FakeSlack
let out: string

beforeAll(async () => {
  if (!isBuilt('notify')) throw new Error('dist/ is not built: run `npm run build` first')
  slack = await startFakeSlack()
  out = await mkdtemp(join(tmpdir(), 'cci-usage-notify-cli-'))
  await writeFile(join(out, 'summary.json'), JSON.stringify(normalWeek))
  await writeFile(join(out, 'credits-by-project.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
})

afterAll(async () => {
  await slack?.close()
  if (out) await rm(out, {recursive: true, force: true})
})

describe('cci-usage notify (built CLI)', () => {
  it('refuses --notify never beside a --notify-if-* threshold (exit 2, one line, nothing posted), as run does', async () => {
    const before = slack.requests.length
    const result = await runCli(['notify', '--out', out, '--notify', 'never', '--notify-if-credits-over', '10'], {SLACK_WEBHOOK_URL: slack.webhookUrl})
    expect(result.code).toBe(2)
    expect(result.stderr.trim()).toBe('Error: --notify never contradicts --notify-if-credits-over: drop --notify never to post when the threshold holds, or drop the threshold.')
    expect(slack.requests.length).toBe(before)
  })

  it('posts with the environment of the CircleCI Slack orb, uploads the chart, and never prints the token', async () => {
    const result = await runCli(['notify', '--out', out, '--json'], {
      SLACK_ACCESS_TOKEN: slack.token,
      SLACK_DEFAULT_CHANNEL: '#usage',
      SLACK_API_URL: slack.apiUrl,
      CIRCLE_BUILD_URL: 'https://app.circleci.com/pipelines/gh/acme/usage/42/workflows/abc/jobs/7',
    })
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({posted: true, uploaded: true, channel: 'C0USAGE001', ts: FAKE_TS})
    expect(slack.requests.map((request) => request.route)).toEqual([
      'chat.postMessage',
      'files.getUploadURLExternal',
      'upload',
      'files.completeUploadExternal',
    ])
    expect(String(slack.requests[0].fields.blocks)).toContain('jobs/7|Full report')
    expect(result.stdout + result.stderr).not.toContain(slack.token)
  })

  it('turns a refused token into one warning line (exit 0), or exit 6 with --strict-notify', async () => {
    const env = {SLACK_ACCESS_TOKEN: 'xoxb-revoked-token-123456', SLACK_DEFAULT_CHANNEL: 'C0USAGE001', SLACK_API_URL: slack.apiUrl}
    const lenient = await runCli(['notify', '--out', out], env)
    expect(lenient.code).toBe(0)
    expect(lenient.stderr.trim().split('\n').filter((line) => line.startsWith('Warning:'))).toEqual([
      "Warning: Slack could not post the summary: the token was refused (invalid_auth); check that SLACK_ACCESS_TOKEN / --slack-token holds the app's bot token (xoxb-...)",
    ])
    const strict = await runCli(['notify', '--out', out, '--strict-notify'], env)
    expect(strict.code).toBe(6)
    expect(strict.stderr.trim()).toBe(
      "Error: Slack could not post the summary: the token was refused (invalid_auth); check that SLACK_ACCESS_TOKEN / --slack-token holds the app's bot token (xoxb-...)",
    )
    expect(lenient.stdout + lenient.stderr + strict.stdout + strict.stderr).not.toContain('xoxb-revoked-token-123456')
  })
})
