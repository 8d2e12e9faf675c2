/**
 * "(other)" is the key of the roll-up of everything past --top (summary.ts: OTHER_KEY, "so that it cannot collide
 * with a real project, org or team"). A team of that name did collide: breakdowns.team held two buckets keyed
 * "(other)" (the team and the roll-up, when there were more teams than --top), trend.split could not tell the team
 * from the roll-up, and the week chart labelled the team "other teams". The teams file now refuses the name,
 * with the file and line, as it refuses a team without a name.
 */
import {buildReportSummary} from '../../src/analysis/index.js'
import {OTHER_KEY} from '../../src/analysis/summary.js'
import {loadTeamRules} from '../../src/analysis/teams.js'
import {exportCsv, job, tempDir, writeFixture} from '../report/fixtures.js'

const clock = () => new Date('2024-11-20T00:00:00Z')

describe('a team called "(other)"', () => {
  it('is refused in every form of the teams file, naming the file and line', async () => {
    const dir = tempDir()
    for (const [name, text, line] of [
      ['map.yml', 'teams:\n  platform: [api]\n  "(other)":\n    - infra\n', 4],
      ['list.yml', '- team: platform\n  projects: [api]\n- team: "(other)"\n  projects: [infra]\n', 4],
      ['teams.json', '{"teams": {"platform": ["api"], "(other)": ["infra"]}}', 1],
      ['teams.csv', 'project,team\napi,platform\ninfra, (other) \n', 3],
    ] as const) {
      const path = writeFixture(dir, name, text)
      await expect(loadTeamRules(path)).rejects.toMatchObject({
        code: 'E_TEAMS_INVALID',
        exitCode: 2,
        message: `Teams file ${path}, line ${line}: team "(other)" has the name of the roll-up of everything past --top; rename it.`,
      })
    }
  })

  it('leaves "other", "(Other)" and "(others)" alone', async () => {
    const path = writeFixture(tempDir(), 'teams.yml', 'teams:\n  other: [a]\n  "(Other)": [b]\n  "(others)": [c]\n')
    expect((await loadTeamRules(path)).map((rule) => rule.team)).toEqual(['other', '(Other)', '(others)'])
  })

  it('is refused by the report too (it made two buckets of breakdowns.team keyed "(other)")', async () => {
    const dir = tempDir()
    const input = writeFixture(dir, 'usage.csv', exportCsv(['a', 'b', 'c'].map((project, index) => job({PROJECT_NAME: project, TOTAL_CREDITS: 10 - index}))))
    const teams = writeFixture(dir, 'teams.yml', `teams:\n  alpha: [a]\n  "${OTHER_KEY}": [b]\n  gamma: [c]\n`)
    const built = buildReportSummary({inputs: [input], teamsFile: teams, top: 1}, clock)
    await expect(built).rejects.toMatchObject({code: 'E_TEAMS_INVALID', exitCode: 2})
  })
})
