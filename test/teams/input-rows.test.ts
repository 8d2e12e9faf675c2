import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {buildReportSummary} from '../../src/analysis/index.js'
import {exportCsv, job, tempDir, writeFixture} from '../report/fixtures.js'

const clock = () => new Date('2024-11-20T00:00:00Z')

describe("a team's input.rows", () => {
  it('counts the rows of its projects before the window, also of a project with no row inside --start/--end', async () => {
    const dir = tempDir()
    const input = writeFixture(
      dir,
      'usage.csv',
      exportCsv([
        job({PROJECT_NAME: 'api', JOB_RUN_DATE: '2024-11-12'}),
        job({PROJECT_NAME: 'api', JOB_RUN_DATE: '2024-11-10'}),
        // ios works only outside the window: mobile's Summary has no credits, but the rows were read.
        job({PROJECT_NAME: 'ios', JOB_RUN_DATE: '2024-11-10'}),
        job({PROJECT_NAME: 'ios', JOB_RUN_DATE: '2024-11-14'}),
      ]),
    )
    const teamsFile = join(dir, 'teams.json')
    writeFileSync(teamsFile, JSON.stringify({teams: {platform: ['api'], mobile: ['ios']}}))
    const {summary, teams} = await buildReportSummary({inputs: [input], teamsFile, filters: {since: '2024-11-12', until: '2024-11-12'}}, clock)
    expect(summary.input.rows).toBe(4)
    expect(Object.fromEntries(teams.map((team) => [team.team, [team.summary.input.rows, team.summary.totals.rows]]))).toEqual({platform: [2, 1], mobile: [2, 0]})
  })
})
