/**
 * A team's Summary carries the budgets about it: team budgets naming it, and project budgets naming one of its
 * projects, also by the "org/project" name a project gets when two organizations have one of that name (the name
 * the report shows it under, and a budget judges it by).
 */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import type {Summary} from '../../src/analysis/summary.js'
import {parseBudgets} from '../../src/history/budgets.js'
import {generateReport} from '../../src/report/index.js'
import {exportCsv, job, tempDir, writeFixture} from '../report/fixtures.js'

describe("a team's budgets", () => {
  const dir = tempDir()
  const rows = [
    job({ORGANIZATION_ID: 'org-1', ORGANIZATION_NAME: 'acme', PROJECT_NAME: 'api', JOB_RUN_DATE: '2024-11-11', TOTAL_CREDITS: 100, COMPUTE_CREDITS: 100}),
    job({ORGANIZATION_ID: 'org-2', ORGANIZATION_NAME: 'acme-labs', PROJECT_NAME: 'api', JOB_RUN_DATE: '2024-11-12', TOTAL_CREDITS: 50, COMPUTE_CREDITS: 50}),
    job({ORGANIZATION_ID: 'org-1', ORGANIZATION_NAME: 'acme', PROJECT_NAME: 'docs', JOB_RUN_DATE: '2024-11-13', TOTAL_CREDITS: 7, COMPUTE_CREDITS: 7}),
  ]
  const input = writeFixture(dir, 'usage.csv', exportCsv(rows))
  const teamsFile = writeFixture(dir, 'teams.yml', 'teams:\n  platform: [api]\n  writers: [docs]\n')
  const budgets = parseBudgets(
    'b.yml',
    [
      'budgets:',
      '  - {scope: project, name: acme/api, period: week, credits: 1000}',
      '  - {scope: project, name: "acme-labs/*", period: week, credits: 1000}',
      '  - {scope: project, name: docs, period: week, credits: 1000}',
      '  - {scope: team, name: platform, period: week, credits: 1000}',
      '',
    ].join('\n'),
    {creditPrice: null, hasTeams: true},
  )
  let summary: Summary
  const team = (name: string) => {
    const entry = summary.teams!.find((candidate) => candidate.team === name)!
    return JSON.parse(readFileSync(join(dir, 'out', entry.summary), 'utf8')) as Summary
  }

  beforeAll(async () => {
    ;({summary} = await generateReport(
      {
        inputs: [input],
        outDir: join(dir, 'out'),
        filters: {since: '2024-11-11', until: '2024-11-17'},
        teamsFile,
        history: {
          dir: join(dir, 'history'),
          trendWeeks: 2,
          budgets,
          update: {organizations: ['org-1', 'org-2'], windows: [{start: '2024-11-11T00:00:00.000Z', end: '2024-11-18T00:00:00.000Z'}]},
        },
      },
      {clock: () => new Date('2024-11-25T06:00:00Z')},
    ))
  })

  it('judges the org-qualified project budgets on that organization\'s project', () => {
    expect(summary.budgets!.map((budget) => [budget.name, budget.actual])).toEqual([
      ['acme/api', 100],
      ['acme-labs/*', 50],
      ['docs', 7],
      ['platform', 150],
    ])
  })

  it('gives the team owning the project every budget about it, by plain or org-qualified name', () => {
    expect(team('platform').budgets!.map((budget) => budget.name)).toEqual(['acme/api', 'acme-labs/*', 'platform'])
    expect(team('writers').budgets!.map((budget) => budget.name)).toEqual(['docs'])
  })
})
