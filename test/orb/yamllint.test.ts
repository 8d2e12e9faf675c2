/**
 * orb-tools/lint runs `yamllint <source_dir>` from the repository root, which picks up ./.yamllint. The same
 * command runs here with Debian's yamllint, strict (a warning fails too), so the lint job cannot fail on CI
 * for something the suite passed.
 */
import {spawnSync} from 'node:child_process'

import {haveSystemTool} from '../helpers/system-tools.js'
import {repoRoot} from './pack.js'

function yamllint(...args: string[]) {
  return spawnSync('yamllint', ['--strict', '--format', 'parsable', ...args], {cwd: repoRoot, encoding: 'utf8'})
}

describe('yamllint with the repository .yamllint', () => {
  it('finds no problem in orb/src (what orb-tools/lint checks)', () => {
    if (!haveSystemTool('yamllint', 'the yamllint check of orb/src')) return
    const result = yamllint('orb/src')
    expect(result.stdout + result.stderr).toBe('')
    expect(result.status).toBe(0)
  })

  it('finds no problem in the pipeline configs under .circleci', () => {
    if (!haveSystemTool('yamllint', 'the yamllint check of .circleci')) return
    const result = yamllint('.circleci')
    expect(result.stdout + result.stderr).toBe('')
    expect(result.status).toBe(0)
  })

  it('reports problems, so a clean result above means something', () => {
    if (!haveSystemTool('yamllint', 'the yamllint self-check')) return
    const result = spawnSync('yamllint', ['--strict', '--format', 'parsable', '-'], {
      cwd: repoRoot,
      encoding: 'utf8',
      input: `key: value\nkey: ${'word '.repeat(40)}end\n`,
    })
    expect(result.stdout).toMatch(/duplication of key "key"/)
    expect(result.stdout).toMatch(/line too long \(208 > 200 characters\)/)
    expect(result.status).not.toBe(0)
  })
})
