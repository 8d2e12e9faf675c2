import {readFileSync} from 'node:fs'
import path from 'node:path'

import {parse} from 'yaml'

import {orbUsageProblems, section} from './orb-model.js'
import {repoRoot, type YamlMap} from './pack.js'

type WorkflowJob = {ref: string; name: string; args: YamlMap}
type Config = YamlMap & {
  orbs?: Record<string, string>
  jobs?: Record<string, {executor?: unknown; docker?: unknown}>
  executors?: Record<string, unknown>
  workflows?: Record<string, {jobs?: unknown[]}>
}

const load = (file: string) => parse(readFileSync(path.join(repoRoot, '.circleci', file), 'utf8')) as Config
const setupConfig = load('config.yml')
const testDeployConfig = load('test-deploy.yml')

/**
 * Jobs of the external orbs at the pinned versions (circleci.com/developer/orbs); the registry cannot be asked
 * offline, so a job name typo or a version bump that drops a job is caught against this list.
 */
const EXTERNAL_ORB_JOBS: Record<string, string[]> = {
  'circleci/orb-tools@12.3.1': ['lint', 'pack', 'review', 'publish', 'continue'],
  'circleci/shellcheck@3.4.0': ['check'],
}
const OWN_ORB = /^cciusage\/cci-usage@dev:<< pipeline\.git\.revision >>$/

function workflowJobs(workflow: {jobs?: unknown[]}): WorkflowJob[] {
  return (workflow.jobs ?? []).map((entry) => {
    const [ref, args] = typeof entry === 'string' ? [entry, {}] : (Object.entries(entry as YamlMap)[0] as [string, YamlMap | null])
    const argsMap = args ?? {}
    return {ref, name: typeof argsMap.name === 'string' ? argsMap.name : ref, args: argsMap}
  })
}

function referenceProblems(config: Config): string[] {
  const problems: string[] = []
  const orbs = config.orbs ?? {}
  const jobExists = (ref: string) => {
    if (config.jobs && ref in config.jobs) return true
    const [alias, job] = ref.split('/')
    const orbRef = orbs[alias]
    if (job === undefined || orbRef === undefined) return false
    if (OWN_ORB.test(orbRef)) return job in section('jobs')
    return EXTERNAL_ORB_JOBS[orbRef]?.includes(job) ?? false
  }
  for (const [workflowName, workflow] of Object.entries(config.workflows ?? {})) {
    const jobs = workflowJobs(workflow)
    const names = new Set(jobs.map((job) => job.name))
    for (const job of jobs) {
      if (!jobExists(job.ref)) problems.push(`${workflowName}: unknown job ${job.ref}`)
      for (const required of (job.args.requires as string[] | undefined) ?? []) {
        if (!names.has(required)) problems.push(`${workflowName}: ${job.name} requires unknown ${required}`)
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
    const exists =
      (config.executors !== undefined && name in config.executors) ||
      (orbExecutor !== undefined && OWN_ORB.test(orbs[alias] ?? '') && orbExecutor in section('executors'))
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

  it('pin every orb to a full version (our own dev orb to this commit)', () => {
    for (const config of [setupConfig, testDeployConfig]) {
      for (const ref of Object.values(config.orbs ?? {})) {
        expect(OWN_ORB.test(ref) || ref in EXTERNAL_ORB_JOBS).toBe(true)
      }
    }
  })

  it('refer only to jobs, executors and orb parameters that exist', () => {
    expect(referenceProblems(setupConfig)).toEqual([])
    expect(referenceProblems(testDeployConfig)).toEqual([])
  })

  it('pack the orb from orb/src, publish a dev orb, then continue to test-deploy', () => {
    const jobs = workflowJobs(Object.values(setupConfig.workflows!)[0])
    const byRef = (ref: string) => jobs.find((job) => job.ref === ref)
    for (const ref of ['orb-tools/lint', 'orb-tools/pack', 'orb-tools/review']) expect(byRef(ref)?.args.source_dir).toBe('orb/src')
    const publish = byRef('orb-tools/publish')!
    expect(publish.args).toMatchObject({orb_name: 'cciusage/cci-usage', pub_type: 'dev'})
    expect(byRef('orb-tools/continue')!.args.requires).toEqual([publish.name])
  })

  it('runs the dev orb report job in demo mode on the freshly built image, and publishes only on release tags', () => {
    const jobs = workflowJobs(Object.values(testDeployConfig.workflows!)[0])
    const integration = jobs.find((job) => job.ref === 'cci-usage/report')!
    expect(integration.args).toMatchObject({demo: true, tag: 'dev-<< pipeline.git.revision >>'})
    expect(integration.args.requires).toContain('build_image')
    const production = jobs.find((job) => job.ref === 'orb-tools/publish')!
    expect(production.args.pub_type).toBe('production')
    const releaseOnly = {branches: {ignore: '/.*/'}, tags: {only: '/^v[0-9]+\\.[0-9]+\\.[0-9]+$/'}}
    expect(production.args.filters).toEqual(releaseOnly)
    expect(jobs.find((job) => job.ref === 'release_image')!.args.filters).toEqual(releaseOnly)
  })
})
