import {execFileSync} from 'node:child_process'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {DockerfileParser, type From, type Instruction} from 'dockerfile-ast'
import picomatch from 'picomatch'
import ts from 'typescript'

import {haveSystemTool} from '../helpers/system-tools.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const dockerfileText = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8')
const dockerfile = DockerfileParser.parse(dockerfileText)
const instructions = dockerfile.getInstructions()

/** Instructions grouped by build stage, in order: stage i starts at the i-th FROM. */
function stages(): Instruction[][] {
  const grouped: Instruction[][] = []
  for (const instruction of instructions) {
    if (instruction.getKeyword() === 'FROM') grouped.push([])
    grouped.at(-1)?.push(instruction)
  }
  return grouped
}

const allStages = stages()
const runtimeStage = allStages.at(-1) ?? []
const froms = dockerfile.getFROMs()
const stageNames = new Set(froms.map((from) => from.getBuildStage()).filter((name): name is string => name !== null))

const dockerfileLines = dockerfileText.split('\n')
/** The instruction's whole source text after the keyword, flags (--from=...) and continuation lines included. */
const argsOf = (instruction: Instruction) => {
  const {start, end} = instruction.getRange()
  const text = dockerfileLines.slice(start.line, end.line + 1).join('\n')
  return text.slice(start.character).replace(/^\s*\S+\s*/, '').trim()
}
const runsIn = (stage: Instruction[]) => stage.filter((i) => i.getKeyword() === 'RUN').map(argsOf)

describe('Dockerfile', () => {
  it('is multi-stage: a named build stage and a separate runtime stage', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2)
    expect(froms[0].getBuildStage()).toBeTruthy()
  })

  it('pins every external base image by tag (never latest) and uses node:24-bookworm-slim (Node 24 LTS) for the build and the runtime', () => {
    for (const from of froms) {
      const image = from.getImageName()
      if (image !== null && stageNames.has(image)) continue
      expect({image, tag: from.getImageTag()}).toEqual({image, tag: expect.stringMatching(/^(?!latest$).+/)})
    }
    const runtimeFrom = runtimeStage[0] as From
    expect(`${runtimeFrom.getImageName()}:${runtimeFrom.getImageTag()}`).toBe('node:24-bookworm-slim')
    // The build stage compiles with the node that runs the image, so what is built is what was tested.
    expect(`${froms[0].getImageName()}:${froms[0].getImageTag()}`).toBe('node:24-bookworm-slim')
  })

  it('builds in the build stage: npm ci, tsc with the build config, oclif manifest', () => {
    const buildRuns = runsIn(allStages[0]).join('\n')
    expect(buildRuns).toMatch(/\bnpm ci\b/)
    expect(buildRuns).toMatch(/tsc -p tsconfig\.build\.json/)
    expect(buildRuns).toMatch(/oclif manifest/)
  })

  it('keeps only production dependencies, dist/ and the manifest in the runtime stage', () => {
    const runtimeRuns = runsIn(runtimeStage).join('\n')
    expect(runtimeRuns).toMatch(/npm ci [^\n]*--omit=dev/)
    expect(runtimeRuns).not.toMatch(/\btsc\b|npm (install|i) /)
    const copiedFromBuild = runtimeStage
      .filter((i) => i.getKeyword() === 'COPY' && argsOf(i).includes('--from='))
      .map(argsOf)
      .join('\n')
    expect(copiedFromBuild).toMatch(/\/dist\b/)
    expect(copiedFromBuild).toMatch(/oclif\.manifest\.json/)
    const copiedFromContext = runtimeStage
      .filter((i) => i.getKeyword() === 'COPY' && !argsOf(i).includes('--from='))
      .map(argsOf)
    expect(copiedFromContext.join('\n')).not.toMatch(/\bsrc\b|node_modules|tsconfig/)
  })

  it('installs what a CircleCI primary container needs, without recommends, and cleans apt lists and cache in that layer', () => {
    const aptRuns = runsIn(runtimeStage).filter((run) => run.includes('apt-get'))
    expect(aptRuns).toHaveLength(1)
    const aptRun = aptRuns[0]
    const words = new Set(aptRun.split(/\s+/))
    for (const pkg of ['bash', 'git', 'openssh-client', 'tar', 'gzip', 'ca-certificates']) expect(words).toContain(pkg)
    expect(words).toContain('--no-install-recommends')
    // One layer: what a RUN deletes after an earlier RUN downloaded it still ships in the earlier layer.
    const steps = aptRun.replace(/\\\n/g, ' ').split('&&').map((step) => step.replace(/\s+/g, ' ').trim())
    const at = (pattern: RegExp) => steps.findIndex((step) => pattern.test(step))
    const install = at(/^apt-get install /)
    expect(at(/^apt-get update\b/)).toBeGreaterThanOrEqual(0)
    expect(at(/^apt-get clean$/)).toBeGreaterThan(install)
    const removal = steps[at(/^rm -rf /)] ?? ''
    expect(at(/^rm -rf /)).toBeGreaterThan(install)
    for (const path of ['/var/lib/apt/lists/*', '/var/cache/apt/archives/*.deb']) expect(removal.split(' ')).toContain(path)
  })

  it('compiles without source maps (they would point at src/, which the image does not contain)', () => {
    const buildRuns = runsIn(allStages[0]).join('\n')
    const project = /tsc -p (\S+)/.exec(buildRuns)![1]
    const parsed = ts.getParsedCommandLineOfConfigFile(path.join(repoRoot, project), {}, {...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined})!
    expect(parsed.errors).toEqual([])
    expect({sourceMap: parsed.options.sourceMap, inline: parsed.options.inlineSourceMap, declarationMap: parsed.options.declarationMap}).toEqual({
      sourceMap: false,
      inline: false,
      declarationMap: false,
    })
    const copiedFromContext = runtimeStage.filter((i) => i.getKeyword() === 'COPY' && !argsOf(i).includes('--from=')).map(argsOf)
    expect(copiedFromContext.join('\n')).not.toMatch(/\bsrc\b/)
  })

  it('runs as the non-root node user', () => {
    const users = runtimeStage.filter((i) => i.getKeyword() === 'USER').map(argsOf)
    expect(users.at(-1)).toBe('node')
  })

  // OpenShift runs an arbitrary uid in group 0: without a group-writable /work the default --out was EACCES.
  it('makes the working folder writable by the node user and by group 0 (any uid)', () => {
    const workdir = runtimeStage.filter((i) => i.getKeyword() === 'WORKDIR').map(argsOf).at(-1)
    const runs = runsIn(runtimeStage).join('\n').replace(/\\\n/g, ' ')
    expect(runs).toMatch(new RegExp(`chown node:0 ${workdir}(\\s|$)`))
    expect(runs).toMatch(new RegExp(`chmod (775|g\\+w|g=u) ${workdir}(\\s|$)`))
  })

  it('has an exec-form ENTRYPOINT running cci-usage, which is on PATH', () => {
    const entrypoints = dockerfile.getENTRYPOINTs()
    expect(entrypoints).toHaveLength(1)
    expect(entrypoints[0].getJSONStrings().map((s) => s.getJSONValue())).toEqual(['cci-usage'])
    expect(runsIn(runtimeStage).join('\n')).toMatch(/ln -s \S*bin\/run\.js \/usr\/local\/bin\/cci-usage/)
  })

  it('carries the OCI labels, with the version from a build argument', () => {
    const labels = new Map<string, string>()
    for (const instruction of runtimeStage) {
      if (instruction.getKeyword() !== 'LABEL') continue
      for (const property of (instruction as unknown as {getProperties(): {getName(): string; getValue(): string | null}[]}).getProperties()) {
        labels.set(property.getName(), (property.getValue() ?? '').replace(/^"|"$/g, ''))
      }
    }
    for (const key of ['source', 'version', 'title', 'description', 'licenses']) {
      expect(labels.get(`org.opencontainers.image.${key}`)).toBeTruthy()
    }
    expect(labels.get('org.opencontainers.image.version')).toBe('${VERSION}')
    expect(runtimeStage.some((i) => i.getKeyword() === 'ARG' && argsOf(i).startsWith('VERSION'))).toBe(true)
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {license: string}
    expect(labels.get('org.opencontainers.image.licenses')).toBe(pkg.license)
  })

  it('.dockerignore lets in exactly what the COPY instructions take from the context', () => {
    const patterns = readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'))
    // Docker semantics: the last matching pattern wins; `!` re-includes.
    const included = (file: string) => {
      let keep = true
      for (const pattern of patterns) {
        const negated = pattern.startsWith('!')
        const glob = negated ? pattern.slice(1) : pattern
        if (picomatch.isMatch(file, glob, {dot: true}) || picomatch.isMatch(file, `${glob}/**`, {dot: true})) keep = negated
      }
      return keep
    }
    for (const file of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'bin/run.js', 'src/commands/run.ts']) {
      expect({file, included: included(file)}).toEqual({file, included: true})
    }
    for (const file of ['node_modules/got/package.json', 'dist/index.js', '.git/config', 'usage-report/summary.json', 'test/image/dockerfile.test.ts', 'cci-usage-0.1.0.tgz']) {
      expect({file, included: included(file)}).toEqual({file, included: false})
    }
  })
})

describe('what ships in dist/ (the npm package and the image copy it)', () => {
  it('has no source map and no sourceMappingURL comment, as built by npm run build', () => {
    const dist = path.join(repoRoot, 'dist')
    if (!existsSync(path.join(dist, 'index.js'))) throw new Error('dist/ is not built: run `npm run build` first')
    const files = readdirSync(dist, {recursive: true}).map(String)
    expect(files.filter((file) => file.endsWith('.map'))).toEqual([])
    const withComment = files.filter((file) => file.endsWith('.js') && readFileSync(path.join(dist, file), 'utf8').includes('sourceMappingURL'))
    expect(withComment).toEqual([])
  })
})

describe('image and package scripts', () => {
  it('are shellcheck-clean', () => {
    if (!haveSystemTool('shellcheck', 'the shellcheck check of the image and package scripts')) return
    const scripts = ['test/image/build-and-run.sh', 'test/package/pack.sh'].map((file) => path.join(repoRoot, file))
    expect(() => execFileSync('shellcheck', scripts, {encoding: 'utf8'})).not.toThrow()
  })
})
