/**
 * A project whose name two organizations share is called org/name only where both are shown. With --org keeping
 * one of them, the report's project breakdown calls it by its name, and so must the trend (whose weekly chart
 * takes the project chart's colours by that key) and the anomalies; budgets, which follow the whole spend, still
 * know it as org/name.
 */
import {join} from 'node:path'

import {generateReport} from '../../src/report/index.js'
import {parseBudgets} from '../../src/history/budgets.js'
import {exportCsv, job, tempDir, writeFixture} from '../report/fixtures.js'

describe('a project name two organizations share, with --org keeping one', () => {
  it('is named as the project breakdown names it in the trend, and budgets still find it as org/name', async () => {
    const dir = tempDir()
    const row = (orgId: string, org: string, project: string, day: string, credits: number) =>
      job({ORGANIZATION_ID: orgId, ORGANIZATION_NAME: org, PROJECT_NAME: project, JOB_RUN_DATE: day, TOTAL_CREDITS: credits, COMPUTE_CREDITS: credits})
    const rows = ['2024-11-11', '2024-11-12', '2024-11-13'].flatMap((day) => [
      row('org-1', 'acme', 'api', day, 100),
      row('org-2', 'globex', 'api', day, 40),
      row('org-2', 'globex', 'web', day, 10),
    ])
    const input = writeFixture(dir, 'usage.csv', exportCsv(rows))
    const budgets = parseBudgets('b.yml', 'budgets:\n  - {scope: project, name: acme/api, period: week, credits: 1000}\n', {creditPrice: null, hasTeams: false})
    const {summary} = await generateReport(
      {
        inputs: [input],
        outDir: join(dir, 'out'),
        filters: {since: '2024-11-11', until: '2024-11-17', org: 'globex'},
        history: {
          dir: join(dir, 'history'),
          trendWeeks: 1,
          budgets,
          update: {organizations: ['org-1', 'org-2'], windows: [{start: '2024-11-11T00:00:00.000Z', end: '2024-11-18T00:00:00.000Z'}]},
        },
      },
      {clock: () => new Date('2024-11-25T06:00:00Z'), log: () => undefined},
    )
    expect(summary.breakdowns.project.map((bucket) => bucket.key)).toEqual(['api', 'web'])
    expect(summary.trend!.split.points.map((point) => point.key).sort()).toEqual(['api', 'web'])
    expect(summary.budgets![0]).toMatchObject({name: 'acme/api', actual: 300})
  })
})
