/**
 * Runs the orb's generate script with bash against a stub `cci-usage` that records its argv and the token
 * variables it receives, then parses that argv with the REAL `run` command's flag definitions, so the orb
 * can only build flags the CLI accepts.
 */
import {spawnSync} from 'node:child_process'
import {chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {Parser} from '@oclif/core'

import {CSV_DIMENSIONS} from '../../src/analysis/build.js'
import RunCommand from '../../src/commands/run.js'
import {section} from './orb-model.js'
import {repoRoot} from './pack.js'

const script = path.join(repoRoot, 'orb/src/scripts/generate.sh')
const commandParameters = section('commands').generate.parameters!

/**
 * A parameter value as CircleCI puts it in a step's environment: integers and strings as text, booleans as 1
 * or 0 (CircleCI's docs: "Boolean values may be returned as a '1' for True and '0' for False").
 */
function circleciEnvValue(value: unknown): string {
  if (typeof value === 'boolean') return value ? '1' : '0'
  return String(value ?? '')
}

/** The PARAM_* environment CircleCI renders from the command's defaults. */
const defaultParams = Object.fromEntries(
  Object.entries(commandParameters).map(([name, spec]) => [`PARAM_${name.toUpperCase()}`, circleciEnvValue(spec.default)]),
)

type Recorded = {status: number | null; stderr: string; argv: string[] | null; circleToken: string; slackToken: string; loadTo: string}

let workDir: string
beforeAll(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'cci-usage-orb-'))
  const stub = path.join(workDir, 'cci-usage')
  writeFileSync(
    stub,
    [
      '#!/bin/bash',
      'printf "%s\\0" "$@" > "$RECORD_DIR/argv"',
      'printf "%s" "${CIRCLECI_API_TOKEN-<unset>}" > "$RECORD_DIR/circle_token"',
      'printf "%s" "${SLACK_ACCESS_TOKEN-<unset>}" > "$RECORD_DIR/slack_token"',
      'printf "%s" "${CCI_USAGE_LOAD_TO-<unset>}" > "$RECORD_DIR/load_to"',
      '',
    ].join('\n'),
  )
  chmodSync(stub, 0o755)
})
afterAll(() => rmSync(workDir, {recursive: true, force: true}))

function runScript(env: Record<string, string>): Recorded {
  const recordDir = mkdtempSync(path.join(workDir, 'run-'))
  const result = spawnSync('bash', [script], {
    cwd: recordDir,
    encoding: 'utf8',
    env: {PATH: `${workDir}:${process.env.PATH}`, HOME: workDir, RECORD_DIR: recordDir, ...defaultParams, ...env},
  })
  const read = (file: string) => {
    try {
      return readFileSync(path.join(recordDir, file), 'utf8')
    } catch {
      return null
    }
  }
  const argv = read('argv')
  return {
    status: result.status,
    stderr: result.stderr,
    argv: argv === null ? null : argv.split('\0').slice(0, -1),
    circleToken: read('circle_token') ?? '',
    slackToken: read('slack_token') ?? '',
    loadTo: read('load_to') ?? '',
  }
}

/** Parses the recorded argv as oclif would for `cci-usage run`, with only the given token variables set. */
async function parseAsRun(argv: string[], env: Record<string, string | undefined> = {}) {
  expect(argv[0]).toBe('run')
  const keys = ['CIRCLECI_API_TOKEN', 'CIRCLE_TOKEN', 'SLACK_ACCESS_TOKEN', 'SLACK_DEFAULT_CHANNEL', 'CIRCLECI_ORG_ID', 'CIRCLE_ORGANIZATION_ID']
  const saved = Object.fromEntries(keys.map((key) => [key, process.env[key]]))
  for (const key of keys) delete process.env[key]
  Object.assign(process.env, Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined)))
  try {
    const {flags} = await Parser.parse(argv.slice(1), {flags: RunCommand.flags, strict: true})
    return flags as Record<string, unknown>
  } finally {
    for (const key of keys) {
      if (saved[key] === undefined) delete process.env[key]
      else process.env[key] = saved[key]
    }
  }
}

const ORG_ID = '5a3e1c2b-0d4f-4e6a-9b8c-7d6e5f4a3b2c'
const CIRCLE_SECRET = 'CCIPAT_orbtest_0123456789abcdef'
const SLACK_SECRET = 'xoxb-orbtest-0123456789'

describe('orb generate script', () => {
  it('with the defaults: the pipeline org, the last 7 days against the previous window, no Slack', async () => {
    const recorded = runScript({CIRCLE_ORGANIZATION_ID: ORG_ID, CIRCLE_TOKEN: CIRCLE_SECRET, SLACK_DEFAULT_CHANNEL: 'C0123456789'})
    expect(recorded.status).toBe(0)
    const argv = recorded.argv!
    const flags = await parseAsRun(argv, {CIRCLECI_API_TOKEN: recorded.circleToken})
    expect(flags).toMatchObject({'org-id': ORG_ID, days: 7, compare: 'previous', notify: 'never', top: 10, out: 'usage-report'})
    // The CLI reads CIRCLECI_API_TOKEN itself: that is where the token must arrive.
    expect(recorded.circleToken).toBe(CIRCLE_SECRET)
    expect(argv).not.toContain('--slack-channel')
    expect(recorded.slackToken).toBe('<unset>')
  })

  it('passes the load_to target through CCI_USAGE_LOAD_TO only when set, never in argv', async () => {
    const target = 'postgres://etl:pg-orb-Secret-0123@db.example:5432/finops'
    const withLoad = runScript({CIRCLE_ORGANIZATION_ID: ORG_ID, CIRCLE_TOKEN: CIRCLE_SECRET, PARAM_LOAD_TO: 'USAGE_WAREHOUSE', USAGE_WAREHOUSE: target})
    expect(withLoad.status).toBe(0)
    expect(withLoad.loadTo).toBe(target)
    expect([...withLoad.argv!, withLoad.stderr].join('\n')).not.toContain('pg-orb-Secret')
    const flags = await parseAsRun(withLoad.argv!, {CIRCLECI_API_TOKEN: withLoad.circleToken})
    expect(flags['load-to']).toBeUndefined()

    const withoutLoad = runScript({CIRCLE_ORGANIZATION_ID: ORG_ID, CIRCLE_TOKEN: CIRCLE_SECRET})
    expect(withoutLoad.loadTo).toBe('<unset>')

    const empty = runScript({CIRCLE_ORGANIZATION_ID: ORG_ID, CIRCLE_TOKEN: CIRCLE_SECRET, PARAM_LOAD_TO: 'USAGE_WAREHOUSE'})
    expect(empty.status).toBe(2)
    expect(empty.stderr).toContain('USAGE_WAREHOUSE')
  })

  it('never puts a token in argv or in its log line; tokens reach the CLI through its environment variables', () => {
    const recorded = runScript({CIRCLE_ORGANIZATION_ID: ORG_ID, CIRCLE_TOKEN: CIRCLE_SECRET, SLACK_ACCESS_TOKEN: SLACK_SECRET, PARAM_NOTIFY: 'always'})
    expect(recorded.status).toBe(0)
    const everything = [...recorded.argv!, recorded.stderr].join('\n')
    expect(everything).not.toContain(CIRCLE_SECRET)
    expect(everything).not.toContain(SLACK_SECRET)
    expect(recorded.circleToken).toBe(CIRCLE_SECRET)
    expect(recorded.slackToken).toBe(SLACK_SECRET)
  })

  it('maps a fixed window, a shared plan, teams, price and change notification to flags the CLI accepts', async () => {
    const recorded = runScript({
      CIRCLE_ORGANIZATION_ID: ORG_ID,
      PARAM_CIRCLE_TOKEN: 'USAGE_TOKEN',
      USAGE_TOKEN: CIRCLE_SECRET,
      PARAM_SLACK_ACCESS_TOKEN: 'USAGE_SLACK',
      USAGE_SLACK: SLACK_SECRET,
      PARAM_START: '2026-08-01',
      PARAM_END: '2026-08-31',
      PARAM_SHARED_ORG_IDS: 'aaaaaaaa-0000-4000-8000-000000000001, bbbbbbbb-0000-4000-8000-000000000002',
      PARAM_COMPARE: 'none',
      PARAM_TOP: '12',
      PARAM_TEAMS_FILE: '.circleci/usage-teams.yml',
      PARAM_CREDIT_PRICE: '0.0006',
      PARAM_NOTIFY: 'change',
      PARAM_NOTIFY_CHANGE_THRESHOLD: '15',
      PARAM_SLACK_CHANNEL: 'C0999999999',
      PARAM_OUTPUT_DIR: 'monthly-report',
      PARAM_TIMEOUT: '1h',
    })
    expect(recorded.status).toBe(0)
    const argv = recorded.argv!
    expect(argv).not.toContain('--days')
    const flags = await parseAsRun(argv, {CIRCLECI_API_TOKEN: recorded.circleToken, SLACK_ACCESS_TOKEN: recorded.slackToken})
    expect(flags).toMatchObject({
      'org-id': ORG_ID,
      'shared-org-id': ['aaaaaaaa-0000-4000-8000-000000000001', 'bbbbbbbb-0000-4000-8000-000000000002'],
      compare: 'none',
      top: 12,
      teams: '.circleci/usage-teams.yml',
      notify: 'always',
      'slack-channel': 'C0999999999',
      out: 'monthly-report',
    })
    // The CLI takes the threshold as text (it accepts "15%"); its value is what matters.
    expect(Number(flags['notify-if-change-over'])).toBe(15)
    expect([flags.start, flags.end, flags['credit-price'], flags.timeout]).toEqual(['2026-08-01', '2026-08-31', '0.0006', '1h'])
    expect(recorded.circleToken).toBe(CIRCLE_SECRET)
    expect(recorded.slackToken).toBe(SLACK_SECRET)
  })

  it.each(['previous', 'current'])('passes month %s as --month instead of --days', async (month) => {
    const recorded = runScript({CIRCLE_ORGANIZATION_ID: ORG_ID, CIRCLE_TOKEN: CIRCLE_SECRET, PARAM_MONTH: month})
    expect(recorded.status).toBe(0)
    expect(recorded.argv).not.toContain('--days')
    const flags = await parseAsRun(recorded.argv!, {CIRCLECI_API_TOKEN: recorded.circleToken})
    expect(flags).toMatchObject({month, compare: 'previous'})
    expect(flags.days).toBeUndefined()
  })

  it('maps flaky_tests (CircleCI renders it 1) and default_branch (a list) to the health flags the CLI accepts', async () => {
    const recorded = runScript({
      CIRCLE_ORGANIZATION_ID: ORG_ID,
      CIRCLE_TOKEN: CIRCLE_SECRET,
      PARAM_FLAKY_TESTS: '1',
      PARAM_DEFAULT_BRANCH: 'develop, api-gateway=trunk',
    })
    expect(recorded.status).toBe(0)
    const flags = await parseAsRun(recorded.argv!, {CIRCLECI_API_TOKEN: recorded.circleToken})
    expect(flags).toMatchObject({'flaky-tests': true, 'default-branch': ['develop', 'api-gateway=trunk']})
    const defaults = await parseAsRun(runScript({CIRCLE_ORGANIZATION_ID: ORG_ID, CIRCLE_TOKEN: CIRCLE_SECRET}).argv!, {CIRCLECI_API_TOKEN: CIRCLE_SECRET})
    expect(defaults['flaky-tests']).toBe(false)
    expect(defaults['default-branch']).toBeUndefined()
  })

  it('hands month together with start to the CLI, which refuses the pair naming both (not silently one of them)', () => {
    const recorded = runScript({CIRCLE_ORGANIZATION_ID: ORG_ID, CIRCLE_TOKEN: CIRCLE_SECRET, PARAM_MONTH: 'previous', PARAM_START: '2026-08-01'})
    expect(recorded.status).toBe(0)
    expect(recorded.argv).toEqual(expect.arrayContaining(['--month', 'previous', '--start', '2026-08-01']))
    expect(recorded.argv).not.toContain('--days')
  })

  it('resolves ${VAR}-style org and channel values without eval', async () => {
    const recorded = runScript({
      PARAM_ORG_ID: '${MY_ORG}',
      MY_ORG: ORG_ID,
      CIRCLE_TOKEN: CIRCLE_SECRET,
      PARAM_NOTIFY: 'always',
      PARAM_SLACK_CHANNEL: '$(touch pwned)',
    })
    expect(recorded.status).toBe(0)
    const flags = await parseAsRun(recorded.argv!, {CIRCLECI_API_TOKEN: recorded.circleToken})
    expect(flags['org-id']).toBe(ORG_ID)
    expect(flags['slack-channel']).toBe('$(touch pwned)')
    expect(readdirSync(workDir, {recursive: true}).some((file) => String(file).endsWith('pwned'))).toBe(false)
  })

  it('renders the boolean defaults the way CircleCI does (1/0), so the defaults above are what a job gets', () => {
    const booleans = Object.entries(commandParameters).filter(([, spec]) => spec.type === 'boolean')
    expect(booleans.length).toBeGreaterThan(0)
    for (const [name, spec] of booleans) expect(defaultParams[`PARAM_${name.toUpperCase()}`]).toBe(spec.default ? '1' : '0')
  })

  it.each([
    ['1', 'what CircleCI passes for demo: true'],
    ['true', 'what a person running the script by hand types'],
  ])('in demo mode (demo=%s, %s) needs no token or org and passes --demo', async (value) => {
    const recorded = runScript({PARAM_DEMO: value, PARAM_ORG_ID: ''})
    expect(recorded.status).toBe(0)
    const flags = await parseAsRun(recorded.argv!)
    expect(flags.demo).toBe(true)
    expect(recorded.argv).not.toContain('--org-id')
    expect(recorded.circleToken).toBe('<unset>')
  })

  it.each(['0', 'false'])('with demo=%s calls the real API (token and org required)', async (value) => {
    const recorded = runScript({PARAM_DEMO: value, CIRCLE_ORGANIZATION_ID: ORG_ID, CIRCLE_TOKEN: CIRCLE_SECRET})
    expect(recorded.status).toBe(0)
    const flags = await parseAsRun(recorded.argv!, {CIRCLECI_API_TOKEN: recorded.circleToken})
    expect(flags.demo).toBe(false)
    expect(flags['org-id']).toBe(ORG_ID)
  })

  it('refuses a boolean that is neither 1/0 nor true/false, naming the parameter', () => {
    const recorded = runScript({PARAM_DEMO: 'yes', CIRCLE_ORGANIZATION_ID: ORG_ID, CIRCLE_TOKEN: CIRCLE_SECRET})
    expect(recorded.status).toBe(2)
    expect(recorded.stderr).toContain("demo must be true or false (1 or 0), got 'yes'")
    expect(recorded.argv).toBeNull()
  })

  it('stops with exit 3 (a missing token, as the CLI and README "Exit codes" say) and names the variable when the CircleCI token variable is empty', () => {
    const recorded = runScript({CIRCLE_ORGANIZATION_ID: ORG_ID, PARAM_CIRCLE_TOKEN: 'USAGE_TOKEN'})
    expect(recorded.status).toBe(3)
    expect(recorded.stderr).toContain('USAGE_TOKEN')
    expect(recorded.argv).toBeNull()
  })
})

describe('orb generate script, Slack conditions, strict_notify and group_by', () => {
  const base = {CIRCLE_ORGANIZATION_ID: ORG_ID, CIRCLE_TOKEN: CIRCLE_SECRET, SLACK_ACCESS_TOKEN: SLACK_SECRET}
  const parse = (recorded: Recorded) => parseAsRun(recorded.argv!, {CIRCLECI_API_TOKEN: recorded.circleToken, SLACK_ACCESS_TOKEN: recorded.slackToken})

  it.each([
    ['1', 'what CircleCI passes for true'],
    ['true', 'what a person running the script by hand types'],
  ])('notify change with budget and anomaly conditions (%s, %s): the change threshold and both conditions, any one posts', async (value) => {
    const recorded = runScript({
      ...base,
      PARAM_NOTIFY: 'change',
      PARAM_NOTIFY_CHANGE_THRESHOLD: '25',
      PARAM_NOTIFY_IF_BUDGET_AT_RISK: value,
      PARAM_NOTIFY_IF_ANOMALY: value,
      PARAM_BUDGETS_FILE: '.circleci/usage-budgets.yml',
    })
    expect(recorded.status).toBe(0)
    const flags = await parse(recorded)
    expect(flags).toMatchObject({notify: 'always', 'notify-if-budget-at-risk': true, 'notify-if-anomaly': true, budgets: '.circleci/usage-budgets.yml'})
    expect(Number(flags['notify-if-change-over'])).toBe(25)
    expect(flags.history).toBe(path.join(workDir, 'cci-usage-history'))
  })

  it('notify change with only the budget condition keeps the change threshold as the other condition', async () => {
    const recorded = runScript({...base, PARAM_NOTIFY: 'change', PARAM_NOTIFY_IF_BUDGET_AT_RISK: '1'})
    expect(recorded.status).toBe(0)
    const flags = await parse(recorded)
    expect(flags).toMatchObject({notify: 'always', 'notify-if-budget-at-risk': true})
    expect(flags['notify-if-anomaly']).toBeUndefined()
    expect(Number(flags['notify-if-change-over'])).toBe(10)
  })

  it.each(['always', 'never'])('with notify %s the conditions reach the CLI not at all (they would narrow always, and turn never into posting)', async (notify) => {
    const recorded = runScript({...base, PARAM_NOTIFY: notify, PARAM_NOTIFY_IF_BUDGET_AT_RISK: '1', PARAM_NOTIFY_IF_ANOMALY: '1'})
    expect(recorded.status).toBe(0)
    expect(recorded.argv!.filter((arg) => arg.startsWith('--notify-if-'))).toEqual([])
    const flags = await parse(recorded)
    expect(flags.notify).toBe(notify)
  })

  it('with the defaults passes no condition, no --strict-notify and no --group-by', async () => {
    const recorded = runScript({...base, PARAM_NOTIFY: 'change'})
    expect(recorded.status).toBe(0)
    for (const flag of ['--notify-if-budget-at-risk', '--notify-if-anomaly', '--strict-notify', '--notify-again', '--group-by']) expect(recorded.argv).not.toContain(flag)
    const flags = await parse(recorded)
    expect([flags['notify-if-budget-at-risk'], flags['notify-if-anomaly'], flags['strict-notify'], flags['notify-again'], flags['group-by']]).toEqual([undefined, undefined, undefined, undefined, undefined])
  })

  it.each([
    ['notify_if_budget_at_risk', {PARAM_NOTIFY_IF_BUDGET_AT_RISK: '1'}],
    ['notify_if_anomaly', {PARAM_NOTIFY_IF_ANOMALY: 'true'}],
  ])('refuses %s without history: true, in one line with exit 2, before running the CLI', (parameter, env) => {
    for (const notify of ['change', 'always', 'never']) {
      const recorded = runScript({...base, PARAM_NOTIFY: notify, PARAM_HISTORY: '0', ...env})
      expect(recorded.status).toBe(2)
      expect(recorded.stderr).toBe(`cci-usage orb: ${parameter} needs history: true (${parameter === 'notify_if_anomaly' ? 'anomalies are found in' : 'budgets are judged on'} the usage history).\n`)
      expect(recorded.argv).toBeNull()
    }
  })

  it('takes the conditions without history: true in demo mode, which keeps its own history in the output folder', async () => {
    const recorded = runScript({...base, PARAM_DEMO: '1', PARAM_NOTIFY: 'change', PARAM_HISTORY: '0', PARAM_NOTIFY_IF_BUDGET_AT_RISK: '1', PARAM_NOTIFY_IF_ANOMALY: '1'})
    expect(recorded.status).toBe(0)
    const flags = await parse(recorded)
    expect([flags.demo, flags['notify-if-budget-at-risk'], flags['notify-if-anomaly']]).toEqual([true, true, true])
  })

  it('refuses a condition that is neither 1/0 nor true/false, naming it', () => {
    const recorded = runScript({...base, PARAM_NOTIFY: 'change', PARAM_NOTIFY_IF_ANOMALY: 'yes'})
    expect(recorded.status).toBe(2)
    expect(recorded.stderr).toContain("notify_if_anomaly must be true or false (1 or 0), got 'yes'")
  })

  it.each([
    ['1', 'change'],
    ['true', 'always'],
  ])('strict_notify %s (notify %s) passes --strict-notify', async (value, notify) => {
    const recorded = runScript({...base, PARAM_NOTIFY: notify, PARAM_STRICT_NOTIFY: value})
    expect(recorded.status).toBe(0)
    expect((await parse(recorded))['strict-notify']).toBe(true)
  })

  it.each(['1', 'true'])('notify_again %s passes --notify-again beside the history, so a rerun posts the week again', async (value) => {
    const recorded = runScript({...base, PARAM_NOTIFY: 'always', PARAM_NOTIFY_AGAIN: value})
    expect(recorded.status).toBe(0)
    const flags = await parse(recorded)
    expect(flags['notify-again']).toBe(true)
    expect(flags.history).toBe(path.join(workDir, 'cci-usage-history'))
  })

  it('maps group_by (comma or space separated) to one --group-by per dimension', async () => {
    const recorded = runScript({...base, PARAM_GROUP_BY: 'workflow, branch resource-class,,day'})
    expect(recorded.status).toBe(0)
    expect(recorded.argv!.filter((arg, index, argv) => argv[index - 1] === '--group-by')).toEqual(['workflow', 'branch', 'resource-class', 'day'])
    expect((await parse(recorded))['group-by']).toEqual(['workflow', 'branch', 'resource-class', 'day'])
  })

  it("accepts every dimension of the CLI's --group-by (with teams_file for team), so the orb's list cannot fall behind", async () => {
    const recorded = runScript({...base, PARAM_TEAMS_FILE: '.circleci/usage-teams.yml', PARAM_GROUP_BY: CSV_DIMENSIONS.join(',')})
    expect(recorded.status).toBe(0)
    expect((await parse(recorded))['group-by']).toEqual([...CSV_DIMENSIONS])
    expect(commandParameters.group_by.description).toContain(CSV_DIMENSIONS.slice(0, -1).join(', '))
  })

  it.each(['resource_class', 'teams', 'Project', '*'])('refuses group_by %s in one line with exit 2, naming the dimensions', (dimension) => {
    const recorded = runScript({...base, PARAM_GROUP_BY: `project,${dimension}`})
    expect(recorded.status).toBe(2)
    expect(recorded.stderr).toBe(
      `cci-usage orb: group_by takes org, project, workflow, job, branch, resource-class, executor, day or team (comma or space separated), got '${dimension}'.\n`,
    )
    expect(recorded.argv).toBeNull()
  })
})

describe('orb generate script, a secret pasted where the name of its variable belongs', () => {
  // circle_token and slack_access_token are env_var_name parameters and load_to a string: each takes the NAME
  // of a variable. A CircleCI token (CCIPAT_..., a valid variable name) or a target URL pasted there instead
  // must not reach the job log, which CircleCI masks only for values stored in contexts or project settings.
  it.each([
    ['circle_token', {PARAM_CIRCLE_TOKEN: CIRCLE_SECRET}, CIRCLE_SECRET],
    ['slack_access_token', {CIRCLE_TOKEN: CIRCLE_SECRET, PARAM_NOTIFY: 'always', PARAM_SLACK_ACCESS_TOKEN: SLACK_SECRET}, SLACK_SECRET],
    ['load_to', {CIRCLE_TOKEN: CIRCLE_SECRET, PARAM_LOAD_TO: 'postgres://etl:pg-orb-Secret-0123@db.example:5432/finops'}, 'pg-orb-Secret-0123'],
  ])('%s: stops with exit 2, naming the parameter, without echoing the value', (parameter, env, secret) => {
    const recorded = runScript({CIRCLE_ORGANIZATION_ID: ORG_ID, ...env})
    expect(recorded.status).toBe(2)
    expect(recorded.stderr).toContain(parameter)
    expect(recorded.stderr).not.toContain(secret)
    expect(recorded.argv).toBeNull()
  })
})

describe('orb generate script, output_dir under the home folder', () => {
  // store_artifacts expands a leading ~ in its path; --out must name the same folder, not ./~/...
  it('expands a leading ~/ in output_dir to $HOME, as store_artifacts does with the same value', async () => {
    const recorded = runScript({CIRCLE_ORGANIZATION_ID: ORG_ID, CIRCLE_TOKEN: CIRCLE_SECRET, PARAM_OUTPUT_DIR: '~/usage-report'})
    expect(recorded.status).toBe(0)
    const flags = await parseAsRun(recorded.argv!, {CIRCLECI_API_TOKEN: recorded.circleToken})
    expect(flags.out).toBe(path.join(workDir, 'usage-report'))
  })
})

describe('orb generate script, an empty output_dir', () => {
  // store_artifacts stores the output_dir it is given; writing the report to usage-report instead would leave the
  // artifacts empty while the step succeeds. The CLI refuses an empty folder flag (exit 2) for the same reason.
  it('stops with exit 2 in one line naming output_dir, before running the CLI', () => {
    const recorded = runScript({CIRCLE_ORGANIZATION_ID: ORG_ID, CIRCLE_TOKEN: CIRCLE_SECRET, PARAM_OUTPUT_DIR: ''})
    expect(recorded.status).toBe(2)
    expect(recorded.stderr).toBe('cci-usage orb: output_dir is empty; give the folder the report is written to (the default is usage-report).\n')
    expect(recorded.argv).toBeNull()
  })
})

describe('orb generate script, its log line', () => {
  // The line shows the flags the parameters became. The CLI redacts anything shaped like a CircleCI or Slack token
  // or a Slack webhook URL from all it prints (a webhook URL given as the channel is refused "the value is not
  // shown"), so the orb's own line must not print them either; the CLI still gets the value and judges it.
  it.each([
    ['slack_channel', {PARAM_NOTIFY: 'always', PARAM_SLACK_CHANNEL: 'https://hooks.slack.com/services/T0000/B0000/Zz9OrbWebhookSecret'}, 'Zz9OrbWebhookSecret'],
    ['org_id', {PARAM_ORG_ID: 'CCIPAT_orblog_0123456789abcdef'}, 'CCIPAT_orblog'],
    ['shared_org_ids', {PARAM_SHARED_ORG_IDS: 'xoxb-orblog-0123456789'}, 'xoxb-orblog'],
  ])('does not show a secret given in %s', (_parameter, env, secret) => {
    const recorded = runScript({CIRCLE_ORGANIZATION_ID: ORG_ID, CIRCLE_TOKEN: CIRCLE_SECRET, ...env})
    expect(recorded.status).toBe(0)
    expect(recorded.stderr).not.toContain(secret)
    expect(recorded.stderr).toMatch(/^cci-usage run .*\[redacted\]/)
    expect(recorded.argv!.join(' ')).toContain(secret)
  })

  it('shows ordinary values as they are', () => {
    const recorded = runScript({CIRCLE_ORGANIZATION_ID: ORG_ID, CIRCLE_TOKEN: CIRCLE_SECRET, PARAM_NOTIFY: 'always', PARAM_SLACK_CHANNEL: 'C0999999999'})
    expect(recorded.stderr).toBe(`cci-usage ${recorded.argv!.join(' ')}\n`)
    expect(recorded.stderr).toContain(`--org-id ${ORG_ID}`)
  })
})
