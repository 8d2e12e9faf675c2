/** The orb keeps the usage history between runs: cache steps around generate, and the flags generate.sh passes. */
import {spawnSync} from 'node:child_process'
import {chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {Parser} from '@oclif/core'

import RunCommand from '../../src/commands/run.js'
import {BIN, isBuilt, runCli} from '../helpers/cli.js'
import {section, steps} from './orb-model.js'
import {compiledText, repoRoot, type YamlMap} from './pack.js'

const job = section('jobs').report
const jobSteps = (job.steps ?? []) as YamlMap[]
const script = path.join(repoRoot, 'orb/src/scripts/generate.sh')

describe('report job history cache', () => {
  const historySteps = (index: number) => {
    const when = jobSteps[index].when as {condition: unknown; steps: YamlMap[]}
    expect(when.condition).toBe('<< parameters.history >>')
    return when.steps
  }
  const generateAt = jobSteps.findIndex((step) => 'generate' in step)

  it('restores the newest history for these organizations (a prefix key) before generate', () => {
    const before = historySteps(generateAt - 1)
    const keyStep = before[0].run as {name: string; command: string}
    expect(keyStep.name).toMatch(/history cache/)
    const restore = before[1].restore_cache as {keys: string[]}
    expect(restore.keys).toEqual(['cci-usage-history-v1-{{ checksum "/tmp/cci-usage-history-key" }}-'])
  })

  it('saves it under a new key with {{ epoch }} after generate, from the folder generate.sh passes to --history', () => {
    const after = historySteps(generateAt + 1)
    // After a failure, a damaged history is dropped first (checked with the CLI itself), so the cache heals.
    const drop = after[0].run as {name: string; when: string; command: string}
    expect(drop).toMatchObject({when: 'on_fail'})
    expect(drop.command).toContain('cci-usage report --history ~/cci-usage-history')
    expect(drop.command).toContain('rm -rf ~/cci-usage-history')
    const save = after[1].save_cache as {key: string; paths: string[]; when: string}
    expect(save.when).toBe('always')
    expect(save.key).toBe('cci-usage-history-v1-{{ checksum "/tmp/cci-usage-history-key" }}-{{ epoch }}')
    expect(save.paths).toEqual(['~/cci-usage-history'])
    expect(readFileSync(script, 'utf8')).toContain('--history "$HOME/cci-usage-history"')
    expect(steps(job.steps).filter((step) => typeof step === 'object' && step !== null && 'save_cache' in step)).toHaveLength(1)
  })

  it('has history on by default, 12 trend weeks, no budgets file, and checks out the project for a budgets file', () => {
    expect(job.parameters!.history).toMatchObject({type: 'boolean', default: true})
    expect(job.parameters!.trend_weeks).toMatchObject({type: 'integer', default: 12})
    expect(job.parameters!.budgets_file).toMatchObject({type: 'string', default: ''})
    expect((jobSteps[0].when as {condition: unknown}).condition).toEqual({or: ['<< parameters.teams_file >>', '<< parameters.budgets_file >>']})
  })
})

describe('report job history cache key step', () => {
  const keyStep = () => {
    const generateAt = jobSteps.findIndex((step) => 'generate' in step)
    return ((jobSteps[generateAt - 1].when as {steps: YamlMap[]}).steps[0].run as {command: string; environment?: Record<string, string>})
  }

  /** Runs the step as CircleCI would: parameters rendered into its text (booleans as true/false), then bash. */
  function runKeyStep(parameters: Record<string, string | boolean>, env: Record<string, string> = {}) {
    const render = (text: string) => text.replace(/<<\s*parameters\.(\w+)\s*>>/g, (_, name: string) => String(parameters[name] ?? ''))
    const step = keyStep()
    const workDir = mkdtempSync(path.join(tmpdir(), 'cci-usage-orb-key-'))
    // The step writes the file restore_cache and save_cache checksum; here it goes to a private folder instead.
    const keyFile = path.join(workDir, 'history-key')
    const command = render(compiledText(step.command))
    expect(command).toContain('/tmp/cci-usage-history-key')
    const environment = Object.fromEntries(Object.entries(step.environment ?? {}).map(([name, value]) => [name, render(String(value))]))
    const result = spawnSync('bash', ['-eo', 'pipefail', '-c', command.replaceAll('/tmp/cci-usage-history-key', keyFile)], {
      cwd: workDir,
      encoding: 'utf8',
      env: {PATH: process.env.PATH, HOME: workDir, ...env, ...environment},
    })
    let key: string | null = null
    try {
      key = readFileSync(keyFile, 'utf8')
    } catch {
      key = null
    }
    const pwned = spawnSync('find', [workDir, '-name', 'pwned*'], {encoding: 'utf8'}).stdout.trim()
    rmSync(workDir, {recursive: true, force: true})
    return {status: result.status, stderr: result.stderr, key, pwned}
  }

  it('keys by the organizations generate exports, the same text as before for ordinary values', () => {
    const org = '5a3e1c2b-0d4f-4e6a-9b8c-7d6e5f4a3b2c'
    const plain = runKeyStep({org_id: '$CIRCLE_ORGANIZATION_ID', shared_org_ids: '', demo: false}, {CIRCLE_ORGANIZATION_ID: org})
    expect(plain).toMatchObject({status: 0, key: `orgs ${org}  demo false\n`})
    const shared = runKeyStep({org_id: org, shared_org_ids: 'aaaa-1, bbbb-2', demo: true})
    expect(shared).toMatchObject({status: 0, key: `orgs ${org} aaaa-1, bbbb-2 demo true\n`})
  })

  it('treats quotes and $(...) in org_id and shared_org_ids as data, as generate.sh does, not as shell', () => {
    const hostile = runKeyStep({org_id: '$(touch pwned-org)', shared_org_ids: 'a" ; touch pwned-shared ; echo "', demo: false})
    expect(hostile.pwned).toBe('')
    expect(hostile.status).toBe(0)
    expect(hostile.key).toBe('orgs $(touch pwned-org) a" ; touch pwned-shared ; echo " demo false\n')
  })
})

describe('report job damage check (drop-damaged-history.sh, after a failed step)', () => {
  const built = isBuilt('run') && isBuilt('report') ? it : it.skip
  let root: string
  let soundHistory: string
  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'cci-usage-orb-drop-'))
    soundHistory = path.join(root, 'sound-history')
    if (!isBuilt('run')) return
    // A real history as the job's generate step leaves it (the demo backfills 79 days), Slack record included.
    const made = await runCli(['run', '--demo', '--out', path.join(root, 'out'), '--history', soundHistory])
    expect(made.code).toBe(0)
    writeFileSync(path.join(soundHistory, 'slack-posted.json'), '{"version": 1, "entries": []}\n')
  }, 120_000)
  afterAll(() => rmSync(root, {recursive: true, force: true}))

  /** Runs the step as compiled into the job, with the built CLI as `cci-usage` and HOME holding a copy of the history. */
  function runDropStep(name: string, damage: (history: string) => void, env: Record<string, string> = {}, manifest?: object) {
    const generateAt = jobSteps.findIndex((step) => 'generate' in step)
    const drop = ((jobSteps[generateAt + 1].when as {steps: YamlMap[]}).steps[0].run as {command: string; environment?: Record<string, string>})
    const home = path.join(root, name)
    const history = path.join(home, 'cci-usage-history')
    cpSync(soundHistory, history, {recursive: true})
    damage(history)
    // The job's working directory, with the output folder the failed generate step left (output_dir's default).
    const project = path.join(home, 'project')
    const outputDir = String(job.parameters!.output_dir.default)
    mkdirSync(path.join(project, outputDir), {recursive: true})
    if (manifest) writeFileSync(path.join(project, outputDir, 'export-manifest.json'), JSON.stringify(manifest, null, 2))
    const render = (text: string) => text.replace(/<<\s*parameters\.(\w+)\s*>>/g, (_, parameter: string) => String(job.parameters![parameter].default))
    const environment = Object.fromEntries(Object.entries(drop.environment ?? {}).map(([key, value]) => [key, render(String(value))]))
    const bin = path.join(root, `${name}-bin`)
    mkdirSync(bin)
    writeFileSync(path.join(bin, 'cci-usage'), `#!/bin/bash\nexec "${process.execPath}" "${BIN}" "$@"\n`)
    chmodSync(path.join(bin, 'cci-usage'), 0o755)
    const command = compiledText(drop.command).replaceAll('/tmp/cci-usage-history-check', path.join(root, `${name}-check`))
    // CircleCI runs a step's command with its default shell, `/bin/bash -eo pipefail`: the script's own shebang is
    // only a comment there, so a failing command ends the step unless the script catches its status.
    const result = spawnSync('bash', ['-eo', 'pipefail', '-c', command], {
      cwd: project,
      encoding: 'utf8',
      env: {PATH: `${bin}:${process.env.PATH}`, HOME: home, ...environment, ...env},
    })
    return {status: result.status, stderr: result.stderr, files: existsSync(history) ? readdirSync(history) : []}
  }

  built('drops a history the CLI finds damaged, so the cache heals', () => {
    const result = runDropStep('damaged', (history) => {
      const rollup = readdirSync(history).find((file) => file.startsWith('rollup-'))!
      truncateSync(path.join(history, rollup), 100)
    })
    expect(result.status).toBe(0)
    expect(result.files).toEqual([])
    expect(result.stderr).toContain('the usage history was damaged (E_HISTORY_CORRUPT, above) and is dropped')
  }, 60_000)

  built('keeps a sound history when the check fails for another reason (a bad CCI_USAGE_MEMORY_LIMIT), Slack record and all', () => {
    const result = runDropStep('bad-setting', () => undefined, {CCI_USAGE_MEMORY_LIMIT: '512M'})
    expect(result.status).toBe(0)
    // Before, any failed check emptied the folder: 79 days to backfill, and the record of posted messages gone.
    expect(result.files).toEqual(readdirSync(soundHistory))
    expect(result.files).toContain('slack-posted.json')
    expect(result.stderr).toContain('E_BAD_MEMORY_LIMIT')
    expect(result.stderr).toContain('not found damaged: it is kept')
  }, 60_000)

  built('drops a history made for other organizations than the failed run exported (discover_shared_orgs found another set)', () => {
    // An organization joined or left the plan (or discovery failed and the job went on without the others): the
    // cache key, from org_id and shared_org_ids, is the same, the export's set is not, and the CLI refuses the
    // history (E_HISTORY_ORGS) on this run and, kept, on every later one.
    const own = JSON.parse(readFileSync(path.join(root, 'out', 'export-manifest.json'), 'utf8')) as {orgId: string; sharedOrgIds: string[]}
    const joined = {...own, sharedOrgIds: [...own.sharedOrgIds, '0f0e0d0c-0b0a-4908-8706-050403020100']}
    const result = runDropStep('other-orgs', () => undefined, {}, joined)
    expect(result.status).toBe(0)
    expect(result.files).toEqual([])
    expect(result.stderr).toContain('the usage history was made for other organizations than this run exported')
    const left = runDropStep('org-left', () => undefined, {}, {...own, sharedOrgIds: own.sharedOrgIds.slice(1)})
    expect(left.files).toEqual([])
  }, 60_000)

  built('keeps the history when the failed run exported the organizations it was made for', () => {
    const own = JSON.parse(readFileSync(path.join(root, 'out', 'export-manifest.json'), 'utf8')) as {orgId: string; sharedOrgIds: string[]}
    expect(own.sharedOrgIds.length).toBeGreaterThan(0)
    // The same set in another order is the same set.
    const result = runDropStep('same-orgs', () => undefined, {}, {...own, sharedOrgIds: [...own.sharedOrgIds].reverse()})
    expect(result.status).toBe(0)
    expect(result.stderr).toBe('')
    expect(result.files).toEqual(readdirSync(soundHistory))
  }, 60_000)

  built('keeps a sound history the check reads', () => {
    const result = runDropStep('sound', () => undefined)
    expect(result.status).toBe(0)
    expect(result.stderr).not.toContain('cci-usage: the usage history')
    expect(result.files).toEqual(readdirSync(soundHistory))
  }, 60_000)
})

describe('generate.sh history flags', () => {
  let workDir: string
  beforeAll(() => {
    workDir = mkdtempSync(path.join(tmpdir(), 'cci-usage-orb-history-'))
    writeFileSync(path.join(workDir, 'cci-usage'), '#!/bin/bash\nprintf "%s\\0" "$@" > "$HOME/argv"\n')
    chmodSync(path.join(workDir, 'cci-usage'), 0o755)
  })
  afterAll(() => rmSync(workDir, {recursive: true, force: true}))

  async function argvFor(env: Record<string, string>): Promise<{argv: string[]; flags: Record<string, unknown>}> {
    const result = spawnSync('bash', [script], {encoding: 'utf8', env: {PATH: `${workDir}:${process.env.PATH}`, HOME: workDir, PARAM_DEMO: 'true', ...env}})
    expect(result.status).toBe(0)
    const argv = readFileSync(path.join(workDir, 'argv'), 'utf8').split('\0').slice(0, -1)
    const {flags} = await Parser.parse(argv.slice(1), {flags: RunCommand.flags, strict: true})
    return {argv, flags: flags as Record<string, unknown>}
  }

  it.each(['1', 'true'])('passes --history and --trend-weeks when history is %s', async (value) => {
    const {flags} = await argvFor({PARAM_HISTORY: value, PARAM_TREND_WEEKS: '26', PARAM_BUDGETS_FILE: '.circleci/budgets.yml'})
    expect(flags).toMatchObject({history: path.join(workDir, 'cci-usage-history'), 'trend-weeks': 26, budgets: '.circleci/budgets.yml'})
  })

  it.each(['0', 'false'])('passes no history when history is %s', async (value) => {
    const {argv} = await argvFor({PARAM_HISTORY: value, PARAM_TREND_WEEKS: '12'})
    expect(argv).not.toContain('--history')
    expect(argv).not.toContain('--trend-weeks')
  })
})
