/**
 * The built CLI as users run it: `node bin/run.js` in a child process (npm test builds dist/ first).
 */
import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join} from 'node:path'

import {REPO_ROOT} from './repo.js'

export const BIN = join(REPO_ROOT, 'bin/run.js')

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** True when dist/ holds the compiled `command` (e.g. 'run'). */
export function isBuilt(command: string): boolean {
  return existsSync(join(REPO_ROOT, 'dist/commands', `${command}.js`))
}

/**
 * Runs the CLI with a clean environment (only PATH, HOME and `env`), so no token of the machine's leaks in.
 * spawn, not spawnSync: servers living in the test process (the fake Slack) must keep answering meanwhile.
 * NODE_ENV=production: under jest's NODE_ENV=test oclif would look for TypeScript sources.
 */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: REPO_ROOT,
      env: {PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'production', ...env},
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('close', (code) => done({code, stdout, stderr}))
  })
}
