import {normalizeHost} from '../../src/api/host.js'
import {BadInputError} from '../../src/core/errors.js'
import {notifyOptionsFromFlags, type SlackFlagValues} from '../../src/slack/flags.js'
import {isBuilt, runCli} from '../helpers/cli.js'

const built = isBuilt('export')
const maybe = built ? it : it.skip

describe('credentials travel in cleartext only to a loopback host', () => {
  it('accepts https hosts and http for 127.0.0.1, ::1 and localhost (the simulator)', () => {
    expect(normalizeHost('https://circleci.example.com/')).toBe('https://circleci.example.com')
    expect(normalizeHost('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080')
    expect(normalizeHost('http://localhost:8080')).toBe('http://localhost:8080')
    expect(normalizeHost('http://[::1]:8080')).toBe('http://[::1]:8080')
  })

  it('refuses a --host with a path, which the API paths would be added to', () => {
    for (const host of ['https://circleci.com/api/v2', 'https://circleci.com/api/v2/', 'http://127.0.0.1:8080/x']) {
      expect(() => normalizeHost(host)).toThrow(/has a path: give the origin alone/)
    }
    expect(normalizeHost('https://circleci.com/')).toBe('https://circleci.com')
  })

  it('refuses http for any other CircleCI host, with E_BAD_HOST', () => {
    for (const host of ['http://circleci.com', 'http://10.0.0.5:8080', 'http://127.0.0.1.example.com', 'http://localhost.example.com']) {
      expect(() => normalizeHost(host)).toThrow(BadInputError)
      expect(() => normalizeHost(host)).toThrow(/must start with https:\/\//)
    }
  })

  // Only a well-formed scheme://user:password@ has its password redacted by pattern; these are not, and the
  // message quoted them whole.
  it('never quotes what comes before an @ in a --host it refuses (a password), and refuses a fragment', () => {
    const password = 'pw-Secret-92x'
    for (const host of [`user:${password}@127.0.0.1:8080`, `http://user:${password}/x@127.0.0.1:8080`, `https://u:${password}@[bad`, `ftp://${password}@ftp.example.com`, `http://127.0.0.1:8080/#${password}`]) {
      let message = ''
      try {
        normalizeHost(host)
      } catch (error) {
        expect(error).toMatchObject({code: 'E_BAD_HOST', exitCode: 2})
        message = (error as Error).message
      }
      expect(message).toMatch(/^--host /)
      expect(message).not.toContain(password)
    }
    expect(() => normalizeHost('user:pw@127.0.0.1:8080')).toThrow('--host [redacted]@127.0.0.1:8080 must start with https://')
  })

  const slackFlags = (overrides: Partial<SlackFlagValues>): SlackFlagValues => ({notify: 'always', top: 5, 'dry-run': false, 'strict-notify': false, ...overrides})

  const refused = (flags: Partial<SlackFlagValues>) => {
    try {
      notifyOptionsFromFlags(slackFlags(flags), '/tmp')
    } catch (error) {
      return error as BadInputError
    }
    return undefined
  }

  it('refuses an http Slack API URL or webhook URL unless it is a loopback host', () => {
    expect(refused({'slack-api-url': 'http://slack.example.com/api/'})).toMatchObject({code: 'E_BAD_SLACK_URL', exitCode: 2})
    const webhook = refused({'slack-webhook-url': 'http://hooks.example.com/services/T/B/secretpart'})
    expect(webhook).toMatchObject({code: 'E_BAD_SLACK_URL', exitCode: 2})
    expect(webhook?.message).not.toContain('secretpart')
    expect(refused({'slack-api-url': 'https://slack-gov.com/api/', 'slack-webhook-url': 'https://hooks.slack.com/services/T/B/x'})).toBeUndefined()
    expect(refused({'slack-api-url': 'http://127.0.0.1:9/api/', 'slack-webhook-url': 'http://localhost:9/services/T/B/x'})).toBeUndefined()
  })

  it('refuses a Slack webhook or API URL holding user:password@, without quoting them', () => {
    for (const value of ['https://user:PWSECRET9@slack.example.com/api/', 'http://PWSECRET9@127.0.0.1:9/api/']) {
      for (const name of ['slack-webhook-url', 'slack-api-url'] as const) {
        const error = refused({[name]: value})
        expect(error).toMatchObject({code: 'E_BAD_SLACK_URL', exitCode: 2})
        expect(error?.message).toMatch(/must not hold a user name or password/)
        expect(error?.message).not.toContain('PWSECRET9')
      }
    }
  })

  it('refuses a Slack webhook or API URL that is not an https URL at all, without quoting it', () => {
    for (const value of ['not-a-url', 'hooks.slack.com/services/T000/B000/SECRETXYZ', 'ftp://hooks.slack.com/services/T000/B000/SECRETXYZ']) {
      for (const name of ['slack-webhook-url', 'slack-api-url'] as const) {
        const error = refused({[name]: value})
        expect(error).toMatchObject({code: 'E_BAD_SLACK_URL', exitCode: 2})
        expect(error?.message).not.toContain('SECRETXYZ')
        expect(error?.message).not.toContain('not-a-url')
      }
    }
  })

  maybe('export --host http://<remote> exits 2 with one line before sending anything', async () => {
    const {code, stderr} = await runCli(['export', '--host', 'http://circleci.example.com', '--org-id', 'org', '--days', '1', '--out', '/tmp/cci-never-written'], {
      CIRCLECI_API_TOKEN: 'CCIPAT_never_sent_in_cleartext',
    })
    expect(code).toBe(2)
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toMatch(/^Error: --host http:\/\/circleci\.example\.com must start with https:\/\//)
  })

  maybe('notify --slack-api-url http://<remote> exits 2 with one line', async () => {
    const {code, stderr} = await runCli(['notify', '--slack-api-url', 'http://slack.example.com/api/', '--slack-channel', 'C0USAGE001'], {SLACK_ACCESS_TOKEN: 'xoxb-1-2-never'})
    expect(code).toBe(2)
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toMatch(/^Error: --slack-api-url \/ SLACK_API_URL must start with https:\/\//)
  })
})
