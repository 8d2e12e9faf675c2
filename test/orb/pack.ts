/**
 * Packs orb/src into one orb document the way `circleci orb pack` does (that CLI is not installed here, and
 * validating needs the network), so the tests read what CircleCI will read. Mirrors CircleCI-Public/circleci-cli
 * internal/pack/pack.go (commit 5bb718335615a3711b51479ae383759c6556cc1a):
 *  - files at the root (`@orb.yml`) are merged at the top level; each root folder becomes a key and each YAML
 *    file in it an entry named after the file; deeper folders only organise (commands/aws/login.yml is
 *    commands.login, and two files claiming one name are an error); `@*.yml` below the root merge at their
 *    level; dotfiles and non-YAML files are skipped; a root folder without YAML (scripts/) adds no key;
 *  - unquoted yes/no/on/off values are booleans (YAML 1.1, as the config compiler reads them), keys excepted;
 *  - every `<< include(path) >>` in a string under jobs, commands and executors (not examples) is replaced by
 *    the file's text, also inside a longer value, and `<<` in that text is escaped as `\<<` so CircleCI does
 *    not read the script's here-strings or here-docs as parameter syntax (it turns `\<<` back into `<<`).
 * Not mirrored: YAML anchors shared across files (this orb has none) and the CLI's output formatting.
 */
import {mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {isMap, isScalar, parseDocument, Scalar, stringify, visit} from 'yaml'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const orbSourceDir = path.join(repoRoot, 'orb/src')
export const packedOrbPath = path.join(repoRoot, 'orb/dist/orb.yml')

export type YamlMap = Record<string, unknown>

/** The CLI's includeRe; Go's \s and \w are ASCII-only, hence the explicit classes. */
const INCLUDE = /<<[\t\n\f\r ]*include\(([-0-9A-Za-z_/.]+)\)?[\t\n\f\r ]*>>/g
const INCLUDE_SECTIONS = ['jobs', 'commands', 'executors']
const YAML_FILE = /^.+\.(yml|yaml)$/
const YAML11_BOOLEANS: Record<string, boolean> = Object.fromEntries(
  ['yes', 'Yes', 'YES', 'on', 'On', 'ON'].map((word) => [word, true]).concat(['no', 'No', 'NO', 'off', 'Off', 'OFF'].map((word) => [word, false])),
)

function parseYamlFile(file: string): YamlMap {
  const document = parseDocument(readFileSync(file, 'utf8'), {uniqueKeys: true})
  if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0].message}`)
  visit(document, {
    Pair(_, pair) {
      const value = pair.value
      if (isScalar(value) && value.type === Scalar.PLAIN && typeof value.value === 'string' && value.value in YAML11_BOOLEANS) {
        value.value = YAML11_BOOLEANS[value.value]
      }
    },
    Seq(_, seq) {
      for (const item of seq.items) {
        if (isScalar(item) && item.type === Scalar.PLAIN && typeof item.value === 'string' && item.value in YAML11_BOOLEANS) item.value = YAML11_BOOLEANS[item.value]
      }
    },
  })
  if (document.contents === null) return {}
  if (!isMap(document.contents)) throw new Error(`${file} must have a YAML map at the root`)
  return document.toJS() as YamlMap
}

function packDir(dir: string, depth: number): YamlMap {
  let subtree: YamlMap = {}
  const origins = new Map<string, string>()
  const nested: {dir: string; content: YamlMap}[] = []
  const dirKey = path.basename(dir).replace(/\.[^.]*$/, '')
  for (const entry of readdirSync(dir, {withFileTypes: true}).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.name.startsWith('.')) continue
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) {
      const child = packDir(full, depth + 1)
      if (depth === 0) {
        const merged = {...((subtree[entry.name] as YamlMap | undefined) ?? {}), ...child}
        if (Object.keys(merged).length > 0) subtree[entry.name] = merged
      } else {
        nested.push({dir: full, content: child})
      }
      continue
    }
    if (!YAML_FILE.test(entry.name)) continue
    const content = parseYamlFile(full)
    if (depth === 0) {
      subtree = {...subtree, ...content}
    } else if (entry.name.startsWith('@')) {
      subtree = {...subtree, ...((subtree[dirKey] as YamlMap | undefined) ?? {}), ...content}
    } else {
      const key = entry.name.replace(/\.[^.]*$/, '')
      subtree[key] = {...((subtree[key] as YamlMap | undefined) ?? {}), ...content}
      origins.set(key, full)
    }
  }
  for (const {dir: nestedDir, content} of nested) {
    for (const key of Object.keys(content)) {
      const taken = origins.get(key)
      if (taken) throw new Error(`${taken} and ${path.join(nestedDir, `${key}.yml`)} both define ${key}`)
      origins.set(key, path.join(nestedDir, `${key}.yml`))
    }
    subtree = {...subtree, ...content}
  }
  return subtree
}

/** One string with every include directive replaced by its file, `<<` escaped as `\<<`. */
export function includeFiles(text: string, baseDir: string): string {
  return text.replace(INCLUDE, (_directive, relative: string) => {
    const file = path.join(baseDir, relative)
    let content: string
    try {
      content = readFileSync(file, 'utf8')
    } catch (error) {
      throw new Error(`could not read included file ${JSON.stringify(file)}: ${(error as Error).message}`)
    }
    return content.replaceAll('<<', '\\<<')
  })
}

function resolveIncludes(value: unknown, baseDir: string): unknown {
  if (typeof value === 'string') return includeFiles(value, baseDir)
  if (Array.isArray(value)) return value.map((item) => resolveIncludes(item, baseDir))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveIncludes(item, baseDir)]))
  }
  return value
}

export function packOrb(sourceDir: string = orbSourceDir): YamlMap {
  const orb = packDir(sourceDir, 0)
  for (const section of INCLUDE_SECTIONS) {
    if (section in orb) orb[section] = resolveIncludes(orb[section], sourceDir)
  }
  return orb
}

/** What a run step's command becomes once CircleCI compiles the config: `\<<` is a literal `<<`. */
export function compiledText(packed: string): string {
  return packed.replaceAll('\\<<', '<<')
}

/** Writes the packed orb to orb/dist/orb.yml (git-ignored build output) and returns it. */
export function writePackedOrb(sourceDir: string = orbSourceDir, outFile: string = packedOrbPath): YamlMap {
  const orb = packOrb(sourceDir)
  mkdirSync(path.dirname(outFile), {recursive: true})
  writeFileSync(outFile, stringify(orb, {lineWidth: 0}))
  return orb
}
