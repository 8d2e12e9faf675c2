/**
 * The Health line under the terminal and Markdown table: the branch shares it prints add up to 100 % when some
 * project's default branch is unknown (its credits are neither "default" nor "other" branch credits).
 */
import {describe, expect, test} from '@jest/globals'

import {healthLines} from '../../src/report/health-lines.js'
import {row} from '../savings/view.js'
import {at, reportOfRows} from './report.js'

function run(values: Parameters<typeof row>[0]) {
  return row({PIPELINE_NUMBER: 1, WORKFLOW_ID: 'w-1', IS_WORKFLOW_SUCCESSFUL: 'true', WORKFLOW_FIRST_JOB_QUEUED_AT: at(0), WORKFLOW_STOPPED_AT: at(600), ...values})
}

describe('the Health line names every branch kind it divides the credits into', () => {
  test('a project without main or master: its share is shown as "default unknown"', async () => {
    const summary = await reportOfRows([
      run({PROJECT_NAME: 'api', WORKFLOW_ID: 'api-1', VCS_BRANCH: 'main', TOTAL_CREDITS: 600}),
      run({PROJECT_NAME: 'api', WORKFLOW_ID: 'api-2', PIPELINE_NUMBER: 2, VCS_BRANCH: 'feature/x', TOTAL_CREDITS: 300}),
      run({PROJECT_NAME: 'docs', WORKFLOW_ID: 'docs-1', VCS_BRANCH: 'trunk', TOTAL_CREDITS: 100}),
    ])
    const line = healthLines(summary).find((text) => text.startsWith('Health:'))
    expect(line).toContain('default branch 60.0% of credits, other branches 30.0%, default unknown 10.0%')
  })

  test('every default known: no "unknown" part', async () => {
    const summary = await reportOfRows([run({PROJECT_NAME: 'api', VCS_BRANCH: 'main', TOTAL_CREDITS: 10})])
    const line = healthLines(summary).find((text) => text.startsWith('Health:'))
    expect(line).toContain('default branch 100.0% of credits, other branches 0.0% ·')
    expect(line).not.toContain('unknown')
  })
})
