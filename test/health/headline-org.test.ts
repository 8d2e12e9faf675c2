/**
 * Two organizations of one plan can each have a project of one name (the project table then shows `org/project`):
 * the costliest-problem sentence of a report of several organizations names the organization too, in the
 * terminal, Markdown and Slack alike; with one organization it stays as short as before.
 */
import {describe, expect, test} from '@jest/globals'

import type {Summary} from '../../src/analysis/summary.js'
import {healthLines} from '../../src/report/health-lines.js'
import {buildSlackMessage} from '../../src/slack/payload.js'
import {makeSummary} from '../charts/fixtures.js'
import {makeHealth} from './fixtures.js'

function summaryWith(orgs: number, flakyCredits: number): Summary {
  const summary = makeSummary()
  const {health, waste} = makeHealth({project: 'api', workflow: 'build', job: 'test', testName: 'login works'}, {flakyCredits})
  return {...summary, totals: {...summary.totals, orgs}, health, waste}
}

const costliest = (summary: Summary) => healthLines(summary).find((line) => line.startsWith('Costliest health problem'))

describe('the costliest health problem names the organization when the report has several', () => {
  test('the slowest job', () => {
    expect(costliest(summaryWith(2, 1))).toContain('(project api of organization acme, workflow build)')
    expect(costliest(summaryWith(1, 1))).toContain('(project api, workflow build)')
  })

  test('the flakiest test', () => {
    expect(costliest(summaryWith(2, 90_000))).toContain('(job test of project api of organization acme)')
    expect(costliest(summaryWith(1, 90_000))).toContain('(job test of project api)')
  })

  test('in Slack too', () => {
    const text = JSON.stringify(buildSlackMessage(summaryWith(3, 1), {}))
    expect(text).toContain('project api of organization acme')
  })
})
