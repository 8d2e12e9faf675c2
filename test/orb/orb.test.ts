import {execFileSync} from 'node:child_process'
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'

import {parse} from 'yaml'

import {haveSystemTool} from '../helpers/system-tools.js'
import {components, orb, orbUsageProblems, packageVersion, section, steps} from './orb-model.js'
import {compiledText, packedOrbPath, repoRoot, type YamlMap} from './pack.js'

const examples = (orb.examples ?? {}) as Record<string, {description?: string; usage?: YamlMap}>
const snakeCase = /^[a-z][a-z0-9_]*$/

/** Every string anywhere inside a YAML value, with where it was found. */
function strings(value: unknown, where = ''): {where: string; text: string}[] {
  if (typeof value === 'string') return [{where, text: value}]
  if (Array.isArray(value)) return value.flatMap((item, index) => strings(item, `${where}[${index}]`))
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => strings(item, `${where}.${key}`))
  }
  return []
}

describe('packed orb', () => {
  it('is written to orb/dist/orb.yml and parses back to the same document', () => {
    expect(parse(readFileSync(packedOrbPath, 'utf8'))).toEqual(orb)
  })

  it('declares version 2.1, a real description and the display URLs', () => {
    expect(orb.version).toBe(2.1)
    expect(String(orb.description).length).toBeGreaterThan(80)
    const display = orb.display as {home_url?: string; source_url?: string}
    expect(display.home_url).toMatch(/^https:\/\//)
    expect(display.source_url).toMatch(/^https:\/\/github\.com\//)
  })

  it('has the report job, the generate command and the default executor', () => {
    expect(Object.keys(section('jobs'))).toContain('report')
    expect(Object.keys(section('commands'))).toContain('generate')
    expect(Object.keys(section('executors'))).toContain('default')
  })

  it('describes every component and every parameter, with snake_case names', () => {
    for (const {type, name, body} of components) {
      expect({component: `${type}/${name}`, snake: snakeCase.test(name)}).toEqual({component: `${type}/${name}`, snake: true})
      expect({component: `${type}/${name}`, described: Boolean(body.description?.trim())}).toEqual({
        component: `${type}/${name}`,
        described: true,
      })
      for (const [parameter, spec] of Object.entries(body.parameters ?? {})) {
        const id = `${type}/${name}.${parameter}`
        expect({id, snake: snakeCase.test(parameter), described: Boolean(spec.description?.trim()), typed: Boolean(spec.type)}).toEqual({
          id,
          snake: true,
          described: true,
          typed: true,
        })
      }
    }
    for (const name of Object.keys(examples)) expect({example: name, snake: snakeCase.test(name)}).toEqual({example: name, snake: true})
  })

  it('refers only to parameters the component declares', () => {
    for (const {type, name, body} of components) {
      const declared = new Set(Object.keys(body.parameters ?? {}))
      for (const {where, text} of strings(body)) {
        for (const match of text.matchAll(/<<\s*parameters\.([A-Za-z0-9_-]+)\s*>>/g)) {
          expect({at: `${type}/${name}${where}`, parameter: match[1], declared: declared.has(match[1])}).toEqual({
            at: `${type}/${name}${where}`,
            parameter: match[1],
            declared: true,
          })
        }
      }
    }
  })

  it('names every run step and resolves every include into a script', () => {
    for (const {type, name, body} of components) {
      for (const step of steps(body.steps)) {
        // Bare steps like `checkout` are fine; a run step always needs a name.
        if (typeof step === 'string') continue
        const run = (step as {run?: unknown}).run
        if (run === undefined) continue
        expect(typeof run).toBe('object')
        expect((run as {name?: string}).name).toBeTruthy()
      }
    }
    expect(strings(orb).some(({text}) => text.includes('<<include('))).toBe(false)
    const command = (section('commands').generate.steps![0] as {run: {command: string}}).run.command
    const script = readFileSync(path.join(repoRoot, 'orb/src/scripts/generate.sh'), 'utf8')
    // The script has a here-string (<<<): packed it reads \<<<, which CircleCI compiles back to <<<.
    expect(script).toContain('<<<')
    expect(command).toContain('\\<<<')
    expect(command).not.toBe(script)
    expect(compiledText(command)).toBe(script)
  })

  it('keeps every run command of jobs and commands an include or at most 64 characters (orb-tools/review RC009)', () => {
    // orb-tools/review (12.x, max_command_length 64, as .circleci/config.yml runs it) reads orb/src, not the packed orb.
    for (const type of ['jobs', 'commands']) {
      const folder = path.join(repoRoot, 'orb/src', type)
      for (const file of readdirSync(folder)) {
        const component = parse(readFileSync(path.join(folder, file), 'utf8')) as {steps?: unknown[]}
        for (const step of steps(component.steps)) {
          const run = step !== null && typeof step === 'object' ? (step as {run?: {command?: string}}).run : undefined
          if (run === undefined || typeof run !== 'object') continue
          const command = String(run.command ?? '')
          expect({at: `${type}/${file}`, command, ok: command.length <= 64 || /^<<\s*include\(/.test(command.trim())}).toEqual({at: `${type}/${file}`, command, ok: true})
        }
      }
    }
  })

  it('passes every parameter of generate to its script as a PARAM_ variable, and nothing else', () => {
    const run = (section('commands').generate.steps![0] as {run: {environment: Record<string, string>}}).run
    const expected = Object.fromEntries(
      Object.keys(section('commands').generate.parameters!).map((name) => [`PARAM_${name.toUpperCase()}`, `<< parameters.${name} >>`]),
    )
    expect(run.environment).toEqual(expected)
  })

  it('takes tokens as env_var_name parameters and resolves org and channel defaults at run time', () => {
    const parameters = section('commands').generate.parameters!
    expect(parameters.circle_token).toMatchObject({type: 'env_var_name', default: 'CIRCLE_TOKEN'})
    expect(parameters.slack_access_token).toMatchObject({type: 'env_var_name', default: 'SLACK_ACCESS_TOKEN'})
    expect(parameters.org_id.default).toBe('$CIRCLE_ORGANIZATION_ID')
    expect(parameters.slack_channel.default).toBe('$SLACK_DEFAULT_CHANNEL')
    expect(parameters.notify).toMatchObject({type: 'enum', enum: ['never', 'always', 'change'], default: 'never'})
    expect(parameters.days.default).toBe(7)
    expect(parameters.month).toMatchObject({type: 'enum', enum: ['', 'previous', 'current'], default: ''})
    expect(parameters.compare.default).toBe('previous')
  })

  it('runs the executor on a pinned image tag equal to the CLI version (never latest), small by default', () => {
    const executor = section('executors').default
    expect((executor.docker as {image: string}[])[0].image).toBe('cciusage/cci-usage:<< parameters.tag >>')
    expect(executor.parameters!.tag.default).toBe(packageVersion)
    expect(executor.parameters!.resource_class.default).toBe('small')
    const job = section('jobs').report
    expect(job.parameters!.tag.default).toBe(packageVersion)
    expect(job.parameters!.resource_class.default).toBe('small')
  })

  it('makes the report job run generate with all its parameters, then store the output folder as usage-report', () => {
    const job = section('jobs').report
    const command = section('commands').generate
    for (const [name, spec] of Object.entries(command.parameters!)) expect(job.parameters![name]).toEqual(spec)
    const jobSteps = steps(job.steps).filter((step): step is YamlMap => typeof step === 'object' && step !== null)
    const generate = jobSteps.find((step) => 'generate' in step)!.generate as Record<string, string>
    expect(generate).toEqual(
      Object.fromEntries(Object.keys(command.parameters!).map((name) => [name, `<< parameters.${name} >>`])),
    )
    const artifacts = jobSteps.find((step) => 'store_artifacts' in step)!.store_artifacts
    expect(artifacts).toEqual({when: 'always', path: '<< parameters.output_dir >>', destination: 'usage-report'})
    expect(job.executor).toEqual({name: 'default', tag: '<< parameters.tag >>', resource_class: '<< parameters.resource_class >>'})
  })
})

describe('orb examples', () => {
  it('cover the weekly, budget alerts, shared-plan monthly and backfill use cases, each with a description and usage', () => {
    expect(Object.keys(examples).sort()).toEqual(['backfill', 'monthly_shared_plan', 'weekly_budget_alerts', 'weekly_report'])
    for (const [name, example] of Object.entries(examples)) {
      expect({name, described: Boolean(example.description?.trim()), usage: typeof example.usage}).toEqual({
        name,
        described: true,
        usage: 'object',
      })
    }
  })

  it('use only the orb jobs, commands and executors that exist, with declared parameters', () => {
    for (const [name, example] of Object.entries(examples)) {
      const problems = orbUsageProblems(example.usage!)
      expect({example: name, problems}).toEqual({example: name, problems: []})
    }
  })

  it('run the monthly report with month: previous, as a schedule trigger carries fixed values and no dates', () => {
    const usage = examples.monthly_shared_plan.usage!
    const workflow = Object.values(usage.workflows as Record<string, {when?: string; jobs: YamlMap[]}>)[0]
    const job = workflow.jobs[0]['cci-usage/report'] as YamlMap
    expect(job).toMatchObject({month: 'previous'})
    expect(job).not.toHaveProperty('start')
    expect(job).not.toHaveProperty('end')
    expect(workflow.when).toMatch(/^<<\s*pipeline\.parameters\.\w+\s*>>$/)
    const gate = /pipeline\.parameters\.(\w+)/.exec(workflow.when!)![1]
    expect((usage.parameters as Record<string, {type: string}>)[gate].type).toBe('boolean')
    expect(examples.monthly_shared_plan.description).not.toMatch(/passes the month's first and last day/)
  })

  it('post the budget alerts only on a condition (notify change), with the history those conditions need', () => {
    const usage = examples.weekly_budget_alerts.usage!
    const workflow = Object.values(usage.workflows as Record<string, {when?: string; jobs: YamlMap[]}>)[0]
    const job = workflow.jobs[0]['cci-usage/report'] as YamlMap
    expect(job).toMatchObject({notify: 'change', notify_if_budget_at_risk: true, notify_if_anomaly: true, history: true, strict_notify: true})
    expect(job.budgets_file).toBeTruthy()
    expect(workflow.when).toMatch(/^<<\s*pipeline\.parameters\.\w+\s*>>$/)
  })

  it('gate the weekly report on a pipeline parameter, not the deprecated pipeline.trigger_source', () => {
    const usage = examples.weekly_report.usage!
    const text = JSON.stringify(usage)
    expect(text).not.toContain('trigger_source')
    const workflow = (usage.workflows as Record<string, {when?: string}>).weekly_usage_report
    expect(workflow.when).toMatch(/<<\s*pipeline\.parameters\.\w+\s*>>/)
  })
})

describe('orb scripts', () => {
  const scriptsDir = path.join(repoRoot, 'orb/src/scripts')
  const scripts = readdirSync(scriptsDir).filter((file) => file.endsWith('.sh'))

  it('are all included by some component', () => {
    const sources = ['commands', 'jobs', 'executors']
      .flatMap((type) => readdirSync(path.join(repoRoot, 'orb/src', type)).map((file) => path.join(repoRoot, 'orb/src', type, file)))
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n')
    for (const script of scripts) expect(sources).toContain(`<<include(scripts/${script})>>`)
  })

  it('are shellcheck-clean', () => {
    if (!haveSystemTool('shellcheck', 'the shellcheck check of the orb scripts')) return
    expect(() => execFileSync('shellcheck', ['-s', 'bash', ...scripts.map((s) => path.join(scriptsDir, s))], {encoding: 'utf8'})).not.toThrow()
  })
})

describe('orb examples that post to Slack', () => {
  // Without a channel the CLI only warns that Slack is not configured and the job succeeds: an example copied as
  // it is would never post. slack_channel's default is $SLACK_DEFAULT_CHANNEL, which no context step sets.
  it('name the channel they post to', () => {
    const jobs = Object.entries(examples).flatMap(([name, example]) =>
      Object.values((example.usage!.workflows ?? {}) as Record<string, {jobs: unknown[]}>).flatMap((workflow) =>
        workflow.jobs.filter((job): job is YamlMap => typeof job === 'object' && job !== null && 'cci-usage/report' in job).map((job) => ({name, args: job['cci-usage/report'] as YamlMap})),
      ),
    )
    expect(jobs.length).toBeGreaterThan(0)
    for (const {name, args} of jobs.filter(({args}) => (args.notify ?? section('jobs').report.parameters!.notify.default) !== 'never')) {
      expect({example: name, slack_channel: typeof args.slack_channel === 'string' && args.slack_channel !== ''}).toEqual({example: name, slack_channel: true})
    }
  })
})
