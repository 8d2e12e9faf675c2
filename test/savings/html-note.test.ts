import {describe, expect, test} from '@jest/globals'

import {DEFAULT_RATE_TABLE} from '../../src/analysis/savings/rates.js'
import {classifyGroup, type GroupStats} from '../../src/analysis/savings/rules.js'
import {renderReportHtml} from '../../src/html/report.js'
import {makeSummary} from '../charts/fixtures.js'

describe('report.html states the savings thresholds as the rules apply them', () => {
  const summary = makeSummary({projects: 3, savings: true})
  const t = summary.savings!.thresholds
  const note = /<p class="note">Thresholds: (.*?)<\/p>/.exec(renderReportHtml(summary, []))?.[1] ?? ''
  const group = (overrides: Partial<GroupStats>): GroupStats => ({
    org: 'acme', project: 'api', workflow: 'w', job: 'j', resourceClass: 'large', executor: 'docker',
    runs: t.minRuns, runsWithUtilisation: t.minRuns, medianCpuPct: 10, medianRamPct: 10, p95MaxCpuPct: 10, p95MaxRamPct: 10,
    spikeShare: 0, credits: 100, windowDays: 7, ...overrides,
  })
  const verdict = (overrides: Partial<GroupStats>) => classifyGroup(group(overrides), t, DEFAULT_RATE_TABLE)?.direction ?? null

  test('a median exactly at the low threshold downsizes: "at most", not "under"', () => {
    expect(verdict({medianCpuPct: t.lowUtilisationPct, medianRamPct: t.lowUtilisationPct})).toBe('down')
    expect(note).toContain(`at most ${t.lowUtilisationPct}%`)
    expect(note).not.toMatch(/utilisation is under/)
  })

  test('a spike share exactly at maxSpikeShare keeps the class: "fewer than", not "at most"', () => {
    expect(verdict({spikeShare: t.maxSpikeShare})).toBeNull()
    expect(note).toMatch(new RegExp(`fewer than [0-9.]+% of runs reach ${t.spikePct}%`))
  })

  test('a median exactly at the high threshold upsizes: "at least", not "exceeds"', () => {
    expect(verdict({medianCpuPct: t.highUtilisationPct})).toBe('up')
    expect(note).toContain(`at least ${t.highUtilisationPct}%`)
    expect(note).not.toContain('exceeds')
  })

  test('only runs with utilisation data count towards the minimum', () => {
    expect(verdict({runs: t.minRuns + 10, runsWithUtilisation: t.minRuns - 1})).toBeNull()
    expect(note).toContain(`at least ${t.minRuns} runs with utilisation data`)
  })
})
