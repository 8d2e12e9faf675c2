/**
 * `run --history`: a rerun of the same window (CircleCI's "Rerun workflow from failed" after a failed load or a
 * failed team channel under --strict-notify) does not post the same message to the same channel again. Built
 * CLI, embedded simulator (--demo), fake Slack.
 */
import {existsSync} from 'node:fs'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {isBuilt, runCli} from '../helpers/cli.js'
import {FAKE_TS, startFakeSlack, type FakeSlack} from '../helpers/fake-slack.js'

const RECORD = 'slack-posted.json'

let slack: FakeSlack
let root: string
let window: string[]
let env: Record<string, string>

beforeAll(async () => {
  if (!isBuilt('run')) throw new Error('dist/ is not built: run `npm run build` first')
  slack = await startFakeSlack()
  root = await mkdtemp(join(tmpdir(), 'cci-usage-notify-once-'))
  // One pinned window for every run of a test, whatever the clock does between them.
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate())
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)
  // --end is inclusive: the last 7 full UTC days, as the default window, ending at today's midnight.
  window = ['--start', day(today - 7 * 86_400_000), '--end', day(today - 86_400_000)]
  env = {SLACK_ACCESS_TOKEN: slack.token, SLACK_DEFAULT_CHANNEL: 'C0USAGE001', SLACK_API_URL: slack.apiUrl}
})

afterAll(async () => {
  await slack?.close()
  if (root) await rm(root, {recursive: true, force: true})
})

beforeEach(() => {
  slack.requests.length = 0
})

let cases = 0
async function folders(): Promise<{out: string; history: string}> {
  cases += 1
  return {out: join(root, `out-${cases}`), history: join(root, `history-${cases}`)}
}

function posts(): string[] {
  return slack.requests.filter((request) => request.route === 'chat.postMessage').map((request) => String(request.fields.channel))
}

function run(dirs: {out: string; history: string}, extra: string[] = [], environment = env) {
  return runCli(['run', '--demo', ...window, '--out', dirs.out, '--history', dirs.history, '--notify', 'always', ...extra], environment)
}

describe('run --history --notify: one message per window and channel', () => {
  it('posts once; the rerun skips it, says so on stderr and in --json, exits 0, and the history still checks out', async () => {
    const dirs = await folders()
    const first = await run(dirs)
    expect(first.code).toBe(0)
    expect(posts()).toEqual(['C0USAGE001'])
    const record = JSON.parse(await readFile(join(dirs.history, RECORD), 'utf8')) as {entries: {destination: string; team: string | null; ts?: string; window: {start: string}}[]}
    expect(record.entries).toEqual([expect.objectContaining({destination: 'C0USAGE001', team: null, ts: FAKE_TS, window: expect.objectContaining({start: `${window[1]}T00:00:00.000Z`})})])

    const second = await run(dirs)
    expect(second.code).toBe(0)
    expect(posts()).toEqual(['C0USAGE001'])
    expect(second.stderr).toMatch(/already posted to C0USAGE001 at \d{4}-\d{2}-\d{2}T.*--notify-again/)

    const third = await run(dirs, ['--json', '--strict-notify'])
    expect(third.code).toBe(0)
    expect(posts()).toEqual(['C0USAGE001'])
    const result = JSON.parse(third.stdout) as {notify: {posted: boolean; skipped?: {reason: string; ts?: string}}}
    expect(result.notify).toMatchObject({posted: false, skipped: {reason: 'already-posted', ts: FAKE_TS}})

    // The orb's damage check (drop-damaged-history.sh) reads the folder with `report --history`: the record is no damage.
    const check = await runCli(['report', '--history', dirs.history, '--out', join(dirs.out, 'check'), '--format', 'json'])
    expect(check.stderr).not.toMatch(/damaged|slack-posted/i)
    expect(check.code).toBe(0)
  })

  it('--notify-again posts anyway and records it again', async () => {
    const dirs = await folders()
    expect((await run(dirs)).code).toBe(0)
    const again = await run(dirs, ['--notify-again'])
    expect(again.code).toBe(0)
    expect(posts()).toEqual(['C0USAGE001', 'C0USAGE001'])
    const record = JSON.parse(await readFile(join(dirs.history, RECORD), 'utf8')) as {entries: object[]}
    expect(record.entries).toHaveLength(1)
  })

  it('posts only the message the first run missed: the org post failed, the team post went out', async () => {
    const dirs = await folders()
    const teams = join(root, 'teams.yml')
    await writeFile(teams, ['- team: platform', '  projects: ["*"]', '  slack_channel: C0PLATFORM', ''].join('\n'))
    slack.script('chat.postMessage', {body: {ok: false, error: 'not_in_channel'}})
    const first = await run(dirs, ['--teams', teams])
    expect(first.code).toBe(0)
    expect(first.stderr).toMatch(/Warning: .*not_in_channel|Warning: .*channel/)
    expect(posts()).toEqual(['C0USAGE001', 'C0PLATFORM'])

    slack.requests.length = 0
    const second = await run(dirs, ['--teams', teams, '--json'])
    expect(second.code).toBe(0)
    expect(posts()).toEqual(['C0USAGE001'])
    const result = JSON.parse(second.stdout) as {notify: {posted: boolean}; teamNotify: {team: string; posted: boolean; skipped?: {reason: string}}[]}
    expect(result.notify.posted).toBe(true)
    expect(result.teamNotify).toEqual([expect.objectContaining({team: 'platform', posted: false, skipped: expect.objectContaining({reason: 'already-posted'})})])
  })

  it('a damaged record is a warning, and the message is posted', async () => {
    const dirs = await folders()
    expect((await run(dirs)).code).toBe(0)
    await writeFile(join(dirs.history, RECORD), '{"version": 1, "entries": [{"window": ')
    const second = await run(dirs)
    expect(second.code).toBe(0)
    expect(second.stderr).toMatch(/Warning: .*slack-posted\.json is damaged/)
    expect(posts()).toEqual(['C0USAGE001', 'C0USAGE001'])
  })

  it('--dry-run writes no record and leaves the next run its post', async () => {
    const dirs = await folders()
    const dry = await run(dirs, ['--dry-run'])
    expect(dry.code).toBe(0)
    expect(existsSync(join(dirs.history, 'history.json'))).toBe(true)
    expect(existsSync(join(dirs.history, RECORD))).toBe(false)
    expect(posts()).toEqual([])
    // The real run that follows posts, and is recorded; a dry run then leaves the record as it is.
    expect((await run(dirs)).code).toBe(0)
    expect(posts()).toEqual(['C0USAGE001'])
    const recorded = await readFile(join(dirs.history, RECORD), 'utf8')
    expect((JSON.parse(recorded) as {entries: object[]}).entries).toHaveLength(1)
    expect((await run(dirs, ['--dry-run', '--notify-again'])).code).toBe(0)
    expect(await readFile(join(dirs.history, RECORD), 'utf8')).toBe(recorded)
    expect(posts()).toEqual(['C0USAGE001'])
  })

  // Accepted without a word before: the user believed a rerun would post again only because of the flag.
  it('--notify-again without --history says it does nothing', async () => {
    const dirs = await folders()
    const result = await runCli(['run', '--demo', ...window, '--out', dirs.out, '--notify', 'always', '--dry-run', '--notify-again'], env)
    expect(result.code).toBe(0)
    expect(result.stderr).toContain('--notify-again does nothing without --history DIR')
    const kept = await run(dirs, ['--dry-run', '--notify-again'])
    expect(kept.code).toBe(0)
    expect(kept.stderr).not.toContain('does nothing without --history')
  })

  // run's default is --notify never: --dry-run alone printed the report and no payload, without a word.
  it('--dry-run without --notify always or a threshold says there is no message to show', async () => {
    const dirs = await folders()
    const alone = await runCli(['run', '--demo', ...window, '--out', dirs.out, '--dry-run'], env)
    expect(alone.code).toBe(0)
    expect(alone.stderr).toContain('--dry-run shows the Slack message only when run is to post: add --notify always')
    const shown = await runCli(['run', '--demo', ...window, '--out', dirs.out, '--notify-if-credits-over', '1', '--dry-run'], env)
    expect(shown.code).toBe(0)
    expect(shown.stderr).not.toContain('--dry-run shows the Slack message only')
    expect(posts()).toEqual([])
  })

  it('records a webhook post under a fixed word: no token, no URL in the record', async () => {
    const dirs = await folders()
    const webhook = {SLACK_WEBHOOK_URL: slack.webhookUrl}
    expect((await run(dirs, [], webhook)).code).toBe(0)
    expect((await run(dirs, [], webhook)).code).toBe(0)
    expect(slack.requests.filter((request) => request.route === 'webhook')).toHaveLength(1)
    const text = await readFile(join(dirs.history, RECORD), 'utf8')
    expect(text).toContain('"destination": "incoming-webhook"')
    const withToken = await folders()
    expect((await run(withToken)).code).toBe(0)
    const tokenText = await readFile(join(withToken.history, RECORD), 'utf8')
    for (const recorded of [text, tokenText]) {
      expect(recorded).not.toContain(slack.token)
      expect(recorded).not.toContain(new URL(slack.webhookUrl).pathname)
      expect(recorded).not.toContain('127.0.0.1')
    }
  })
})
