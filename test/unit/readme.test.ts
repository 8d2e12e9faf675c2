/** What the README tells a newcomer to type or copy works: its example teams file loads with the real loader. */
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {createTeamMatcher, loadTeamRules, UNASSIGNED_TEAM} from '../../src/analysis/teams.js'
import {REPO_ROOT} from '../helpers/repo.js'

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')

/** The first ```yaml block after a heading, or null. */
function yamlBlockAfter(heading: RegExp): string | null {
  const found = heading.exec(readme)
  if (!found) return null
  return /^```ya?ml\n([\s\S]*?)^```$/m.exec(readme.slice(found.index))?.[1] ?? null
}

describe('README', () => {
  it('has an example teams file that the teams loader reads, mapping names and globs', async () => {
    const example = yamlBlockAfter(/^#{2,4} Teams file$/m)
    expect(example).not.toBeNull()
    const dir = mkdtempSync(join(tmpdir(), 'cci-usage-readme-'))
    try {
      const file = join(dir, 'teams.yml')
      writeFileSync(file, example!)
      const rules = await loadTeamRules(file)
      expect(rules.length).toBeGreaterThanOrEqual(3)
      const teamOf = createTeamMatcher(rules)
      const mapped = rules.filter((rule) => !/[*?[]/.test(rule.pattern)).map((rule) => [rule.pattern, teamOf(rule.pattern)])
      expect(mapped).toEqual(rules.filter((rule) => !/[*?[]/.test(rule.pattern)).map((rule) => [rule.pattern, rule.team]))
      const globs = rules.filter((rule) => /[*?[]/.test(rule.pattern))
      expect(globs.length).toBeGreaterThan(0)
      for (const glob of globs) expect(teamOf(glob.pattern.replace('*', 'anything'))).toBe(glob.team)
      expect(teamOf('a-project-nobody-listed')).toBe(UNASSIGNED_TEAM)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })

  it('says how to call the CLI after npm ci: npx cci-usage', () => {
    expect(readme).toMatch(/^npx cci-usage \w+/m)
  })
})
