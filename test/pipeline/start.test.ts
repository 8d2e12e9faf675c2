/**
 * `npm start` as a newcomer runs it: the start script's command, in a staging copy of the project (it rebuilds
 * dist/, which other tests are using), must print the report and nothing else on stdout; progress, and the
 * build's own lines such as oclif's "wrote manifest", go to stderr.
 */
import {spawn} from 'node:child_process'
import {cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'

import type {Summary} from '../../src/analysis/summary.js'
import {renderSummary} from '../../src/report/render.js'
import {REPO_ROOT} from '../helpers/repo.js'

const startScript = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {scripts: {start: string}}).scripts.start

let stage: string
beforeAll(() => {
  stage = mkdtempSync(join(tmpdir(), 'cci-usage-start-'))
  for (const entry of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'bin', 'src']) {
    cpSync(join(REPO_ROOT, entry), join(stage, entry), {recursive: true})
  }
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(stage, 'node_modules'))
})
afterAll(() => rmSync(stage, {recursive: true, force: true}))

function runStart(): Promise<{code: number | null; stdout: string; stderr: string}> {
  return new Promise((done) => {
    // npm runs scripts with sh and node_modules/.bin on PATH; only the machine's PATH and HOME go in (no tokens).
    const child = spawn('sh', ['-c', startScript], {
      cwd: stage,
      env: {PATH: `${join(stage, 'node_modules/.bin')}:${dirname(process.execPath)}:${process.env.PATH ?? ''}`, HOME: process.env.HOME ?? ''},
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('close', (code) => done({code, stdout, stderr}))
  })
}

describe('npm start', () => {
  it('prints exactly the report on stdout; the build and the progress go to stderr', async () => {
    const result = await runStart()
    expect(result.code).toBe(0)
    expect(result.stderr).toContain('wrote manifest')
    expect(result.stderr).toMatch(/Exporting usage/)
    const summary = JSON.parse(readFileSync(join(stage, 'usage-report', 'summary.json'), 'utf8')) as Summary
    expect(result.stdout).toBe(await renderSummary(summary, 'table'))
  }, 240_000)
})
