/**
 * Counts printed beside credits read with the same thousands separators: "17,752 earlier attempts", never
 * "17752", in the terminal and Markdown lines and in the HTML page.
 */
import {describe, expect, test} from '@jest/globals'

import type {Summary} from '../../src/analysis/summary.js'
import {renderReportHtml} from '../../src/html/report.js'
import {healthLines} from '../../src/report/health-lines.js'
import {statistics} from '../../src/report/render.js'
import {row} from '../savings/view.js'
import {at, reportOfRows} from '../health/report.js'

async function summaryOfOneRun(): Promise<Summary> {
  return reportOfRows([
    row({PROJECT_NAME: 'api', PIPELINE_NUMBER: 1, WORKFLOW_ID: 'w-1', IS_WORKFLOW_SUCCESSFUL: 'true', WORKFLOW_FIRST_JOB_QUEUED_AT: at(0), WORKFLOW_STOPPED_AT: at(600), VCS_BRANCH: 'main', TOTAL_CREDITS: 10}),
  ])
}

const names = (count: number): string[] => Array.from({length: count}, (_, i) => `project-${i}`)

describe('counts are grouped by thousands in every medium', () => {
  test('the waste and Health lines', async () => {
    const summary = await summaryOfOneRun()
    summary.waste!.reruns.attempts = 17_752
    summary.health!.pipelines.count = 254_109
    const lines = healthLines(summary).join('\n')
    expect(lines).toContain('in 17,752 earlier attempts')
    expect(lines).toContain('(254,109 pipelines)')
  })

  test('the new and gone projects of the comparison, in the terminal and in HTML', async () => {
    const summary = await summaryOfOneRun()
    summary.comparison = {
      previousWindow: {...summary.window},
      previous: {credits: 5, jobs: 1, failedCredits: 0, rows: 1},
      change: {credits: 5, pct: 100, jobs: 0, failedCredits: 0},
      projects: [],
      appeared: names(1_200),
      vanished: names(3_456),
      movers: [],
      previousByDay: [],
      previousEmpty: false,
    }
    expect(statistics(summary).join('\n')).toContain('New projects: 1,200 · gone: 3,456')
    const html = renderReportHtml(summary, [])
    expect(html).toContain('New this window</strong> (1,200)')
    expect(html).toContain('Gone since the previous window</strong> (3,456)')
  })
})
