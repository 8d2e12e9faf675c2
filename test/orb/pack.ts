/**
 * Packs orb/src into one orb document the way `circleci orb pack` does (that CLI needs the network to
 * validate, so the tests pack locally): @orb.yml is the root, each folder is a component type and each
 * file in it is one component named after the file, and `<<include(path)>>` is replaced by the file's text
 * only when it is the whole value of a string, as the CircleCI CLI requires.
 */
import {mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {parse, stringify} from 'yaml'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const orbSourceDir = path.join(repoRoot, 'orb/src')
export const packedOrbPath = path.join(repoRoot, 'orb/dist/orb.yml')

export type YamlMap = Record<string, unknown>

const wholeInclude = /^<<\s*include\(([^)]+)\)\s*>>$/
const COMPONENT_TYPES = ['commands', 'jobs', 'executors', 'examples'] as const
export type ComponentType = (typeof COMPONENT_TYPES)[number]

function resolveIncludes(value: unknown, sourceDir: string, where: string): unknown {
  if (typeof value === 'string') {
    const include = wholeInclude.exec(value.trim())
    if (include) return readFileSync(path.join(sourceDir, include[1].trim()), 'utf8')
    if (value.includes('<<include(') || value.includes('<< include(')) {
      throw new Error(`${where}: <<include()>> must be the whole value of a string`)
    }
    return value
  }
  if (Array.isArray(value)) return value.map((item, index) => resolveIncludes(item, sourceDir, `${where}[${index}]`))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, resolveIncludes(item, sourceDir, `${where}.${key}`)]),
    )
  }
  return value
}

export function packOrb(sourceDir: string = orbSourceDir): YamlMap {
  const orb = parse(readFileSync(path.join(sourceDir, '@orb.yml'), 'utf8')) as YamlMap
  for (const type of COMPONENT_TYPES) {
    const dir = path.join(sourceDir, type)
    if (!statSync(dir, {throwIfNoEntry: false})?.isDirectory()) continue
    const components: YamlMap = {}
    for (const file of readdirSync(dir).sort()) {
      const match = /^(.+)\.ya?ml$/.exec(file)
      if (!match) continue
      const component = parse(readFileSync(path.join(dir, file), 'utf8')) as unknown
      components[match[1]] = resolveIncludes(component, sourceDir, `${type}/${file}`)
    }
    orb[type] = components
  }
  return orb
}

/** Writes the packed orb to orb/dist/orb.yml (git-ignored build output) and returns it. */
export function writePackedOrb(sourceDir: string = orbSourceDir, outFile: string = packedOrbPath): YamlMap {
  const orb = packOrb(sourceDir)
  mkdirSync(path.dirname(outFile), {recursive: true})
  writeFileSync(outFile, stringify(orb, {lineWidth: 0}))
  return orb
}
