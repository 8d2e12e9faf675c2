import {isBuilt, runCli} from '../helpers/cli.js'

const built = isBuilt('export')
if (!built) console.log('Skipping CLI tests: dist/ is not built (npm test builds it first).')
const maybe = built ? it : it.skip

// Legacy CircleCI tokens are 40 hex digits, with no prefix: registering them before parsing keeps them out of a
// parse error, and a word of their shape is redacted where the command line is quoted back.
const LEGACY = 'a1b2c3d4e5f60718293a4b5c6d7e8f9011223344'
const PAT = 'CCIPAT_Lj8VWRtgWzdDuz4xaJjN7Z_4c2d4f1b0a9e8d7c6b5a4'
const BOT = 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx'
const HOOK = 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX'

describe('flag-parsing errors never print a token (built CLI)', () => {
  const cases: Array<[string, string[], Record<string, string>, string]> = [
    ['a mistyped --token=VALUE', ['export', `--tokn=${LEGACY}`], {}, LEGACY],
    ['a mistyped --slack-token=VALUE', ['notify', `--slack-tokn=${LEGACY}`], {}, LEGACY],
    ['a mistyped --slack-webhook-url=VALUE', ['notify', `--slack-webhook=${HOOK}`], {}, HOOK],
    ['a CircleCI token given as an argument', ['export', '--days', '3', PAT], {}, PAT],
    ['a legacy token given as an argument, set nowhere else', ['export', '--days', '3', LEGACY], {}, LEGACY],
    ['a Slack token given as an argument', ['notify', '--dry-run', BOT], {}, BOT],
    ['a webhook URL given as an argument', ['notify', '--dry-run', HOOK], {}, HOOK],
    ['a --token value repeated as an argument', ['export', '--token', LEGACY, '--days', '3', LEGACY], {}, LEGACY],
    ['a --slack-token=value repeated as an argument', ['run', `--slack-token=${LEGACY}`, '--days', '3', LEGACY], {}, LEGACY],
    ['the CIRCLECI_API_TOKEN value as an argument', ['export', '--days', '3', LEGACY], {CIRCLECI_API_TOKEN: LEGACY}, LEGACY],
    ['the CIRCLE_TOKEN value as an argument', ['report', '--top', '3', LEGACY], {CIRCLE_TOKEN: LEGACY}, LEGACY],
    ['the SLACK_ACCESS_TOKEN value as an argument', ['notify', '--dry-run', LEGACY], {SLACK_ACCESS_TOKEN: LEGACY}, LEGACY],
    ['the SLACK_WEBHOOK_URL value as an argument', ['notify', '--dry-run', `x${LEGACY}`], {SLACK_WEBHOOK_URL: `x${LEGACY}`}, `x${LEGACY}`],
  ]

  for (const [name, args, env, secret] of cases) {
    maybe(`${name}: exit 2, one line, no token`, async () => {
      const {code, stdout, stderr} = await runCli(args, env)
      expect(code).toBe(2)
      expect(stderr).toMatch(/^Error: (Nonexistent flag|Unexpected argument)/)
      expect(stderr.trim().split('\n')).toHaveLength(1)
      expect(stdout + stderr).not.toContain(secret)
    })
  }

  // oclif reads a first bare word after the command as part of a command name ("notify:<token>"), which the
  // command_not_found hook reports (quoting the word) before any command (so before the base command) runs.
  const asCommandName: Array<[string, string[], Record<string, string>, string]> = [
    ['a Slack token right after the command', ['notify', BOT], {}, BOT],
    ['a CircleCI token right after the command', ['export', PAT], {}, PAT],
    ['a legacy token right after the command, set nowhere else', ['export', LEGACY], {}, LEGACY],
    ['the CIRCLECI_API_TOKEN value right after the command', ['export', LEGACY], {CIRCLECI_API_TOKEN: LEGACY}, LEGACY],
  ]
  for (const [name, args, env, secret] of asCommandName) {
    maybe(`${name}: exit 2, "takes only flags", no token`, async () => {
      const {code, stdout, stderr} = await runCli(args, env)
      expect(code).toBe(2)
      expect(stderr).toMatch(/^Error: cci-usage \w+ takes only flags, not the argument "\[redacted\]"/)
      expect(stdout + stderr).not.toContain(secret)
    })
  }

  maybe('--json: the error object carries no token either', async () => {
    const {code, stdout} = await runCli(['export', '--json', `--tokn=${PAT}`])
    expect(code).toBe(2)
    expect(JSON.parse(stdout).error.code).toBe('E_BAD_FLAG')
    expect(stdout).not.toContain(PAT)
    expect(stdout).toContain('--tokn')
  })

  // The stack under --debug starts with the error's own message, which for a mistyped flag is oclif's, value included.
  maybe('--debug: the stack printed under the error quotes no mistyped value either', async () => {
    const {code, stdout, stderr} = await runCli(['export', '--debug', `--tokn=${LEGACY}`])
    expect(code).toBe(2)
    expect(stderr).toMatch(/^Error: Nonexistent flag: --tokn /)
    expect(stderr).toMatch(/\n\s+at /)
    expect(stdout + stderr).not.toContain(LEGACY)
  })
})
