/**
 * System tools some tests run (yamllint, shellcheck). On a developer machine a missing tool skips its test
 * with a note; in CI (the CI environment variable is set, as CircleCI and most CI systems do) it fails the
 * test, so a broken install in `.ci/run` cannot turn a lint into a silent skip.
 */
import {spawnSync} from 'node:child_process'

export function haveSystemTool(tool: string, what: string): boolean {
  if (spawnSync(tool, ['--version']).status === 0) return true
  const install = `apt-get install -y ${tool}`
  if (process.env.CI) throw new Error(`${tool} is not installed but CI is set: ${what} must run in CI (${install}; .ci/run installs it).`)
  console.log(`Skipping ${what}: ${tool} is not installed (${install}).`)
  return false
}
