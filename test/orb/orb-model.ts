/** The packed orb and the checks the orb and CI-config tests share. */
import {readFileSync} from 'node:fs'
import path from 'node:path'

import {repoRoot, writePackedOrb, type YamlMap} from './pack.js'

export const orb = writePackedOrb()
export const packageVersion = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {version: string}).version

export type Parameter = {type?: string; description?: string; default?: unknown; enum?: unknown[]}
export type Component = YamlMap & {description?: string; parameters?: Record<string, Parameter>; steps?: unknown[]}

export const section = (type: 'commands' | 'jobs' | 'executors') => (orb[type] ?? {}) as Record<string, Component>
export const components = (['commands', 'jobs', 'executors'] as const).flatMap((type) =>
  Object.entries(section(type)).map(([name, body]) => ({type, name, body})),
)
/** Every step list item, including those nested in `when`/`unless` steps. */
export function steps(list: unknown[] = []): unknown[] {
  return list.flatMap((step) => {
    if (step !== null && typeof step === 'object') {
      const [[key, body]] = Object.entries(step)
      if ((key === 'when' || key === 'unless') && body && typeof body === 'object') {
        return [step, ...steps((body as {steps?: unknown[]}).steps)]
      }
    }
    return [step]
  })
}

/**
 * Checks a config's references to this orb against the packed orb: under whatever alias it imports it, or the
 * alias that holds the packed orb itself (what orb-tools/continue injects into test-deploy.yml).
 */
export function orbUsageProblems(config: YamlMap): string[] {
  const problems: string[] = []
  const aliases = Object.entries((config.orbs ?? {}) as Record<string, unknown>)
    .filter(([, ref]) => ref === orb || (typeof ref === 'string' && ref.startsWith('cciusage/cci-usage@')))
    .map(([alias]) => alias)
  const jobKeys = new Set(['name', 'context', 'requires', 'filters', 'matrix', 'pre-steps', 'post-steps', 'type'])
  const check = (kind: 'jobs' | 'commands' | 'executors', ref: string, args: YamlMap, where: string, extraKeys = new Set<string>()) => {
    const [alias, name] = ref.split('/')
    if (!aliases.includes(alias) || name === undefined) return
    const component = section(kind)[name]
    if (!component) {
      problems.push(`${where}: ${ref} is not a ${kind.slice(0, -1)} of the orb`)
      return
    }
    for (const key of Object.keys(args)) {
      if (!extraKeys.has(key) && !(key in (component.parameters ?? {}))) problems.push(`${where}: ${ref} has no parameter ${key}`)
    }
  }
  for (const [workflowName, workflow] of Object.entries((config.workflows ?? {}) as Record<string, {jobs?: unknown[]}>)) {
    for (const entry of workflow.jobs ?? []) {
      const [ref, args] = typeof entry === 'string' ? [entry, {}] : (Object.entries(entry as YamlMap)[0] as [string, YamlMap | null])
      check('jobs', ref, args ?? {}, `workflows.${workflowName}`, jobKeys)
    }
  }
  for (const [jobName, job] of Object.entries((config.jobs ?? {}) as Record<string, Component>)) {
    const executor = job.executor
    if (typeof executor === 'string') check('executors', executor, {}, `jobs.${jobName}.executor`)
    else if (executor && typeof executor === 'object') {
      const {name, ...args} = executor as YamlMap
      check('executors', String(name), args, `jobs.${jobName}.executor`)
    }
    for (const step of steps(job.steps)) {
      if (typeof step === 'string') check('commands', step, {}, `jobs.${jobName}.steps`)
      else if (step && typeof step === 'object') {
        const [[ref, args]] = Object.entries(step)
        check('commands', ref, (args ?? {}) as YamlMap, `jobs.${jobName}.steps`)
      }
    }
  }
  return problems
}

