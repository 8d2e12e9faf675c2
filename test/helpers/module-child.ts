import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'

import {REPO_ROOT} from './repo.js'

const DIST = join(REPO_ROOT, 'dist')

/** Whether dist/ holds `module` (child scripts import the build); says that `what` is skipped when it does not. */
export function distBuilt(module: string, what: string): boolean {
  const built = existsSync(join(DIST, module))
  if (!built) console.log(`Skipping ${what}: dist/ is not built.`)
  return built
}

/** A compiled module's URL as a string literal, for a child script's import. */
export function distModule(module: string): string {
  return JSON.stringify(pathToFileURL(join(DIST, module)).href)
}

export interface ModuleChild {
  proc: ChildProcess
  /** How the child ended. */
  exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>
  /** The child's first line on stdout: it says when it got where the test stops it. */
  ready: Promise<string>
}

/**
 * Runs an ESM `script` in a child node (for what a signal does to a process: node runs no `finally` then).
 * `ready` rejects with the child's stderr if it ends before printing a line.
 */
export function moduleChild(script: string, env: Record<string, string> = {}): ModuleChild {
  const proc = spawn(process.execPath, ['--input-type=module', '-e', script], {env: {PATH: process.env.PATH ?? '', ...env}})
  let stdout = ''
  let stderr = ''
  proc.stderr?.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((done) => proc.on('close', (code, signal) => done({code, signal})))
  const ready = new Promise<string>((done, fail) => {
    proc.stdout?.on('data', (chunk) => {
      stdout += chunk
      if (stdout.includes('\n')) done(stdout.slice(0, stdout.indexOf('\n')).trim())
    })
    proc.on('close', () => fail(new Error(`child ended before it was ready: ${stderr}`)))
  })
  return {proc, exited, ready}
}
