/**
 * README "Budgets": an org budget names the org by name or id. A budget naming the org by its ORGANIZATION_ID
 * follows the same spend as one naming it by ORGANIZATION_NAME (not 0 credits, "ok", and a "matches no org" notice).
 */
import type {Summary} from '../../src/analysis/summary.js'
import {parseBudgets} from '../../src/history/budgets.js'
import {exportCsv, job, tempDir, writeFixture} from '../report/fixtures.js'
import {reportWeekWithHistory} from './week-report.js'

describe('an org budget named by the org id', () => {
  const dir = tempDir()
  const rows = [
    job({ORGANIZATION_ID: 'org-1', ORGANIZATION_NAME: 'acme', PROJECT_NAME: 'api', JOB_RUN_DATE: '2024-11-11', TOTAL_CREDITS: 100, COMPUTE_CREDITS: 100}),
    job({ORGANIZATION_ID: 'org-2', ORGANIZATION_NAME: 'acme-labs', PROJECT_NAME: 'ml', JOB_RUN_DATE: '2024-11-12', TOTAL_CREDITS: 40, COMPUTE_CREDITS: 40}),
    job({ORGANIZATION_ID: 'org-1', ORGANIZATION_NAME: 'acme', PROJECT_NAME: 'web', JOB_RUN_DATE: '2024-11-13', TOTAL_CREDITS: 7, COMPUTE_CREDITS: 7}),
  ]
  const input = writeFixture(dir, 'usage.csv', exportCsv(rows))
  const budgets = parseBudgets(
    'b.yml',
    'budgets:\n  - {scope: org, name: acme, period: week, credits: 100}\n  - {scope: org, name: org-1, period: week, credits: 100}\n  - {scope: org, name: "acme*", period: week, credits: 100}\n  - {scope: org, name: "org-*", period: week, credits: 100}\n',
    {creditPrice: null, hasTeams: false},
  )
  const logs: string[] = []

  let summary: Summary
  beforeAll(async () => {
    summary = await reportWeekWithHistory(dir, input, {budgets, organizations: ['org-1', 'org-2'], log: (line) => logs.push(line)})
  })

  it('judges the same spend as the budget naming it by name; globs match names, never ids (hex ids would collide)', () => {
    expect(summary.budgets!.map((budget) => [budget.name, budget.actual, budget.projected, budget.status])).toEqual([
      ['acme', 107, 107, 'over'],
      ['org-1', 107, 107, 'over'],
      ['acme*', 147, 147, 'over'],
      ['org-*', 0, 0, 'ok'],
    ])
    expect((summary.input.warnings ?? []).filter((line) => line.startsWith('Budget '))).toEqual([expect.stringMatching(/^Budget "org-\*" \(org, line 5\) matches no org with usage/)])
  })
})
