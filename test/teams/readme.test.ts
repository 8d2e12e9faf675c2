/** The README's teams file example, with slack_channel, is a teams file the CLI accepts and reads as documented. */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {createTeamMatcher, loadTeamRules, teamChannels} from '../../src/analysis/teams.js'
import {REPO_ROOT} from '../helpers/repo.js'
import {tempDir, writeFixture} from '../report/fixtures.js'

function readmeSection(heading: string): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')
  const start = readme.indexOf(`\n## ${heading}\n`)
  if (start === -1) throw new Error(`README.md has no "## ${heading}" section`)
  const end = readme.indexOf('\n## ', start + 4)
  return readme.slice(start, end === -1 ? undefined : end)
}

describe('README: shared plans and per-team delivery', () => {
  const section = readmeSection('Shared plans and per-team delivery')

  it('shows a teams file with a slack_channel per team that loads as it says', async () => {
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1]
    expect(yaml).toBeDefined()
    expect(yaml).toContain('slack_channel:')
    const rules = await loadTeamRules(writeFixture(tempDir(), 'teams.yml', yaml!))
    expect(teamChannels(rules)).toEqual(new Map([['platform', 'C0PLATFORM'], ['data', 'C0DATA0001']]))
    const teamOf = createTeamMatcher(rules)
    expect(['api-gateway', 'web-shop', 'ml-train', 'handbook', 'legacy'].map(teamOf)).toEqual(['platform', 'platform', 'data', 'docs', 'unassigned'])
  })

  it('documents the flag, the orb parameter and the files', () => {
    for (const text of ['--discover-shared-orgs', 'discover_shared_orgs', 'sharedPlan', 'teams/<team>.html', 'chargeback-YYYY-MM.csv', '--dry-run', '--strict-notify']) {
      expect(section).toContain(text)
    }
  })
})

describe('README: teams file', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')

  it('says which team a project several entries match goes to, as the matcher does', () => {
    expect(readme).toContain('goes to the team that lists its exact name (the first such entry), else to\nthe first glob written that matches it')
    const teamOf = createTeamMatcher([
      {team: 'broad', pattern: 'sdk-*', line: 1},
      {team: 'narrow', pattern: 'sdk-js-*', line: 2},
      {team: 'exact', pattern: 'sdk-js-core', line: 3},
      {team: 'again', pattern: 'sdk-js-core', line: 4},
    ])
    expect(['sdk-js-core', 'sdk-js-web', 'sdk-go', 'SDK-go'].map(teamOf)).toEqual(['exact', 'broad', 'broad', 'unassigned'])
  })
})
