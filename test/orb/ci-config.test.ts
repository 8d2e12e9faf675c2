import {readFileSync} from 'node:fs'
import path from 'node:path'

import {parse} from 'yaml'

import {EXTERNAL_ORB_JOBS} from './external-orbs.js'
import {orb, orbUsageProblems, section} from './orb-model.js'
import {repoRoot, type YamlMap} from './pack.js'

type WorkflowJob = {ref: string; name: string; args: YamlMap}
type Config = YamlMap & {
  orbs?: Record<string, unknown>
  jobs?: Record<string, {executor?: unknown; docker?: unknown}>
  executors?: Record<string, unknown>
  workflows?: Record<string, {jobs?: unknown[]}>
}

const readConfig = (file: string) => readFileSync(path.join(repoRoot, '.circleci', file), 'utf8')
const setupText = readConfig('config.yml')
const testDeployText = readConfig('test-deploy.yml')
const setupConfig = parse(setupText) as Config
const testDeployConfig = parse(testDeployText) as Config

/** Keys a workflow job takes besides its parameters. */
const WORKFLOW_JOB_KEYS = new Set(['name', 'context', 'requires', 'filters', 'matrix', 'pre-steps', 'post-steps', 'type', 'serial-group'])

function workflowJobs(workflow: {jobs?: unknown[]}): WorkflowJob[] {
  return (workflow.jobs ?? []).map((entry) => {
    const [ref, args] = typeof entry === 'string' ? [entry, {}] : (Object.entries(entry as YamlMap)[0] as [string, YamlMap | null])
    const argsMap = args ?? {}
    return {ref, name: typeof argsMap.name === 'string' ? argsMap.name : ref, args: argsMap}
  })
}

const onlyWorkflow = (config: Config) => {
  const workflows = Object.values(config.workflows ?? {})
  expect(workflows).toHaveLength(1)
  return workflowJobs(workflows[0])
}
const setupJobs = onlyWorkflow(setupConfig)
const testDeployJobs = onlyWorkflow(testDeployConfig)
const continueJob = setupJobs.find((job) => job.ref === 'orb-tools/continue')

/** test-deploy.yml as orb-tools/continue hands it on: the packed orb under the continue job's orb_name. */
function injected(config: Config, orbName: string): Config {
  return {...config, orbs: {...config.orbs, [orbName]: orb}}
}

/** Problems with references to jobs, executors and external-orb parameters (this orb's: orbUsageProblems). */
function referenceProblems(config: Config): string[] {
  const problems: string[] = []
  const orbs = config.orbs ?? {}
  for (const [workflowName, workflow] of Object.entries(config.workflows ?? {})) {
    const jobs = workflowJobs(workflow)
    const names = new Set(jobs.map((job) => job.name))
    for (const job of jobs) {
      const where = `${workflowName}: ${job.name}`
      for (const required of (job.args.requires as string[] | undefined) ?? []) {
        if (!names.has(required)) problems.push(`${where} requires unknown ${required}`)
      }
      if (config.jobs && job.ref in config.jobs) continue
      const [alias, jobName] = job.ref.split('/')
      const orbRef = orbs[alias]
      if (orbRef === orb) {
        if (!(jobName in section('jobs'))) problems.push(`${where}: the orb has no job ${jobName}`)
        continue
      }
      const external = typeof orbRef === 'string' ? EXTERNAL_ORB_JOBS[orbRef]?.[jobName] : undefined
      if (!external) {
        problems.push(`${where}: unknown job ${job.ref} (orb ${String(orbRef)})`)
        continue
      }
      for (const [key, value] of Object.entries(job.args)) {
        if (WORKFLOW_JOB_KEYS.has(key)) continue
        if (!external.parameters.includes(key)) problems.push(`${where}: ${job.ref} has no parameter ${key}`)
        const allowed = external.enums[key]
        if (allowed && !allowed.includes(String(value))) problems.push(`${where}: ${key} ${String(value)} is not one of ${allowed.join(', ')}`)
      }
      for (const key of external.required) {
        if (!(key in job.args)) problems.push(`${where}: ${job.ref} needs ${key}`)
      }
    }
  }
  for (const [jobName, job] of Object.entries(config.jobs ?? {})) {
    const executor = typeof job.executor === 'object' && job.executor !== null ? String((job.executor as YamlMap).name) : job.executor
    if (executor === undefined) {
      if (!job.docker) problems.push(`job ${jobName} has neither an executor nor docker images`)
      continue
    }
    const name = String(executor)
    const [alias, orbExecutor] = name.split('/')
    const exists = (config.executors !== undefined && name in config.executors) || (orbs[alias] === orb && orbExecutor in section('executors'))
    if (!exists) problems.push(`job ${jobName}: unknown executor ${name}`)
  }
  return [...problems, ...orbUsageProblems(config)]
}

describe('.circleci configs', () => {
  it('are version 2.1, with config.yml as the setup stage', () => {
    expect(setupConfig.version).toBe(2.1)
    expect(setupConfig.setup).toBe(true)
    expect(testDeployConfig.version).toBe(2.1)
    expect(testDeployConfig.setup).toBeUndefined()
  })

  it('pin every external orb to a full version whose jobs are modelled; this orb is only injected', () => {
    for (const config of [setupConfig, testDeployConfig]) {
      for (const [alias, ref] of Object.entries(config.orbs ?? {})) {
        if (alias === continueJob?.args.orb_name) continue
        expect({alias, ref, pinned: typeof ref === 'string' && ref in EXTERNAL_ORB_JOBS}).toEqual({alias, ref, pinned: true})
      }
    }
    expect(`${setupText}\n${testDeployText}`).not.toMatch(/cciusage\/cci-usage@dev/)
  })

  it('refer only to jobs, executors and parameters that exist, with every required parameter and enum value', () => {
    expect(referenceProblems(setupConfig)).toEqual([])
    expect(referenceProblems(injected(testDeployConfig, String(continueJob?.args.orb_name)))).toEqual([])
  })

  it('never pass pipeline.project.type as vcs_type (it is "circleci" on GitHub App and GitLab projects)', () => {
    expect(`${setupText}\n${testDeployText}`).not.toMatch(/<<\s*pipeline\.project\.type\s*>>/)
  })

  it('lint, pack, review (with orb_name, so RC011 runs) and shellcheck orb/src, then continue; no publish in setup', () => {
    const byRef = (ref: string) => setupJobs.find((job) => job.ref === ref)
    for (const ref of ['orb-tools/lint', 'orb-tools/pack', 'orb-tools/review']) expect(byRef(ref)?.args.source_dir).toBe('orb/src')
    expect(byRef('shellcheck/check')?.args.dir).toBe('orb/src/scripts')
    expect(byRef('orb-tools/review')?.args.orb_name).toBe('cci-usage')
    expect(setupJobs.some((job) => job.ref === 'orb-tools/publish')).toBe(false)
    expect(continueJob).toBeDefined()
    expect(continueJob!.args).toMatchObject({orb_name: 'cci-usage', pipeline_number: '<< pipeline.number >>'})
    const others = setupJobs.filter((job) => job !== continueJob).map((job) => job.name)
    expect([...(continueJob!.args.requires as string[])].sort()).toEqual(others.sort())
  })

  it('name the orb the same way where continue injects it, where review checks it and in every example', () => {
    const orbName = continueJob!.args.orb_name as string
    // orb-tools/continue replaces this placeholder with the packed orb (yq .orbs[orb_name] = load(orb.yml)).
    expect(testDeployConfig.orbs?.[orbName]).toEqual({})
    // RC011 reads .usage.orbs[orb_name] of each example and compares its major version with the release tag.
    const packageMajor = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {version: string}).version.split('.')[0]
    for (const [name, example] of Object.entries((orb.examples ?? {}) as Record<string, {usage: {orbs: Record<string, string>}}>)) {
      const ref = example.usage.orbs[orbName]
      expect({example: name, major: ref?.split('@')[1]?.split('.')[0]}).toEqual({example: name, major: packageMajor})
    }
  })

  it('runs the injected orb report job in demo mode on the freshly built image, and publishes only on release tags', () => {
    const integration = testDeployJobs.find((job) => job.ref === 'cci-usage/report')!
    expect(integration.args).toMatchObject({demo: true, tag: 'dev-<< pipeline.git.revision >>'})
    expect(integration.args.requires).toContain('build_image')
    const production = testDeployJobs.find((job) => job.ref === 'orb-tools/publish')!
    expect(production.args).toMatchObject({orb_name: 'cciusage/cci-usage', pub_type: 'production'})
    expect(production.args.requires).toEqual(expect.arrayContaining(['orb-tools/pack', 'release_image']))
    const releaseOnly = {branches: {ignore: '/.*/'}, tags: {only: '/^v[0-9]+\\.[0-9]+\\.[0-9]+$/'}}
    expect(production.args.filters).toEqual(releaseOnly)
    expect(testDeployJobs.find((job) => job.ref === 'orb-tools/pack')!.args.filters).toEqual(releaseOnly)
    expect(testDeployJobs.find((job) => job.ref === 'release_image')!.args.filters).toEqual(releaseOnly)
    expect(testDeployJobs.filter((job) => job.ref === 'orb-tools/publish')).toHaveLength(1)
  })
})
