import type {Summary} from '../../src/analysis/summary.js'
import {findAnomalies, MIN_EXCESS_CREDITS, type ScopeSeries} from '../../src/history/anomalies.js'
import {renderReportHtml} from '../../src/html/report.js'
import {historyLines} from '../../src/report/history-lines.js'
import {buildSlackMessage} from '../../src/slack/payload.js'
import {normalWeek} from '../slack/fixtures.js'
import {withHistory} from './fixtures.js'
import {scopeSeries} from '../../src/history/index.js'
import {ordinaryUsage, type GeneratedUsage} from './generated.js'

function scopes(usage: GeneratedUsage): ScopeSeries[] {
  const teams = new Map<string, Map<string, number>>()
  for (const [name, values] of usage.projects) {
    const team = `team-${Number(name.split('-')[1]) % 4}`
    const sums = teams.get(team) ?? new Map<string, number>()
    for (const [day, credits] of values) sums.set(day, (sums.get(day) ?? 0) + credits)
    teams.set(team, sums)
  }
  return [
    {scope: 'org', name: 'acme', values: usage.total},
    ...[...teams].map(([name, values]) => ({scope: 'team' as const, name, values})),
    ...[...usage.projects].map(([name, values]) => ({scope: 'project' as const, name, values})),
  ]
}

/** 4 weeks of baseline, then the 8 weeks judged. */
function judged(usage: GeneratedUsage): string[] {
  return usage.days.slice(28)
}

describe('findAnomalies', () => {
  it('stays quiet over eight ordinary weeks of noisy data (at most a couple of findings), for several seeds', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const usage = ordinaryUsage({seed, first: '2024-06-03', days: 84})
      const found = findAnomalies(scopes(usage), judged(usage), new Set(usage.days), usage.total)
      expect(found.length).toBeLessThanOrEqual(2)
    }
  })

  it('flags the one day on which one project spent 40 x 2,000 extra credits, and only that', () => {
    for (const seed of [1, 2, 3]) {
      const usage = ordinaryUsage({seed, first: '2024-06-03', days: 84})
      const quiet = findAnomalies(scopes(usage), judged(usage), new Set(usage.days), usage.total)
      const day = usage.days[60]
      const project = usage.projects.get('project-6')!
      project.set(day, (project.get(day) ?? 0) + 40 * 2000)
      usage.total.set(day, (usage.total.get(day) ?? 0) + 40 * 2000)
      const found = findAnomalies(scopes(usage), judged(usage), new Set(usage.days), usage.total)
      const spike = found.find((anomaly) => anomaly.scope === 'project' && anomaly.name === 'project-6' && anomaly.day === day)
      expect(spike).toBeDefined()
      expect(spike!.credits).toBe(project.get(day))
      expect(spike!.ratio).toBeGreaterThan(2)
      expect(spike!.ratio).toBeCloseTo(spike!.credits / spike!.baseline, 1)
      // Nothing else new, beyond the day's team and organization.
      const added = found.filter((anomaly) => !quiet.some((q) => q.day === anomaly.day && q.name === anomaly.name && q.scope === anomaly.scope))
      expect(added.every((anomaly) => anomaly.day === day)).toBe(true)
      // Largest excess first: the spike leads, with its team and organization (they spent the same extra credits).
      expect(found.slice(0, 3)).toContainEqual(spike)
    }
  })

  it('never alarms on a tiny project, nor on one without a baseline (new or occasional)', () => {
    const held = new Set<string>()
    const tiny = new Map<string, number>()
    const fresh = new Map<string, number>()
    const real = Array.from({length: 40}, (_, index) => new Date(Date.UTC(2024, 6, 1 + index)).toISOString().slice(0, 10))
    for (const day of real) {
      held.add(day)
      tiny.set(day, 10)
    }
    const last = real[39]
    tiny.set(last, 10 + MIN_EXCESS_CREDITS - 1)
    fresh.set(last, 50_000)
    const found = findAnomalies(
      [
        {scope: 'project', name: 'tiny', values: tiny},
        {scope: 'project', name: 'brand-new', values: fresh},
      ],
      [last],
      held,
      new Map(real.map((day) => [day, 100])),
    )
    expect(found).toEqual([])
  })

  it('judges only days the history holds, with enough held baseline days', () => {
    const usage = ordinaryUsage({seed: 9, first: '2024-06-03', days: 84})
    const day = usage.days[60]
    const project = usage.projects.get('project-2')!
    project.set(day, (project.get(day) ?? 0) + 200_000)
    const sparse = new Set(usage.days.filter((_, index) => index % 3 === 0 || index === 60))
    expect(findAnomalies(scopes(usage), [day], sparse, usage.total)).toEqual([])
    expect(findAnomalies(scopes(usage), [day], new Set(usage.days), usage.total).some((anomaly) => anomaly.name === 'project-2')).toBe(true)
  })
})

describe('scopeSeries', () => {
  it("sums a scope's day exactly before making it a number, so an anomaly's credits are the day's total", () => {
    const point = (org: string, project: string, micro: bigint) => ({day: '2024-06-03', org, orgId: null, project, inScope: true, credits: micro, jobs: 1, failedCredits: 0n})
    // 0.1 + 0.2 credits: as doubles the day would read 0.30000000000000004.
    const series = scopeSeries('org', [point('acme', 'a', 100_000n), point('acme', 'b', 200_000n)], (day) => day.org!)
    expect(series).toEqual([{scope: 'org', name: 'acme', values: new Map([['2024-06-03', 0.3]])}])
  })
})

describe('an anomaly ratio, as every medium prints it', () => {
  it('is not rounded before it is shown: 2,845.1 on a baseline of 1,000 is 2.8451 x, which reads 2.8x, not 2.9x through 2.85', () => {
    const days = Array.from({length: 29}, (_, index) => new Date(Date.UTC(2024, 6, 1 + index)).toISOString().slice(0, 10))
    const values = new Map(days.map((day, index) => [day, index === 28 ? 2845.1 : 1000]))
    const [anomaly] = findAnomalies([{scope: 'project', name: 'api', values}], [days[28]], new Set(days), values)
    expect(anomaly.ratio).toBe(2.8451)
    const summary = {...normalWeek, anomalies: [anomaly]} as Summary
    const line = `2,845 credits, 2.8x its baseline of 1,000`
    expect(historyLines(summary).join('\n')).toContain(line)
    expect(JSON.stringify(buildSlackMessage(summary, {}))).toContain(line)
    expect(renderReportHtml({...summary, trend: withHistory(summary, ['api']).trend}, [])).toContain('>2.8x<')
  })
})
