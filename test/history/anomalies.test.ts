import type {Summary} from '../../src/analysis/summary.js'
import {findAnomalies, MIN_EXCESS_CREDITS, type ScopeSeries} from '../../src/history/anomalies.js'
import {dayFromNumber, dayNumber} from '../../src/history/days.js'
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

describe('findAnomalies at its thresholds (README "Anomalies")', () => {
  /** The 28 days before `day` and the day itself, as held days. */
  const day = '2024-07-29'
  const before = Array.from({length: 28}, (_, index) => dayFromNumber(dayNumber(day) - 28 + index))
  const held = new Set([...before, day])
  /** A project whose 28 baseline days take `baseline(index)` and whose judged day spent `credits`. */
  const project = (baseline: (index: number) => number, credits: number): ScopeSeries => ({
    scope: 'project',
    name: 'api',
    values: new Map([...before.map((d, index) => [d, baseline(index)] as const), [day, credits]]),
  })
  /** The median of the sorted values: the middle one, or the mean of the two middle ones. */
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b)
    const middle = sorted.length / 2
    return Number.isInteger(middle) ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[Math.floor(middle)]
  }
  const judge = (series: ScopeSeries, total: ReadonlyMap<string, number> = series.values, days: ReadonlySet<string> = held) =>
    findAnomalies([series], [day], days, total)

  it('takes the baseline over the 28 days before the day, the day itself left out, an even count giving the mean of the middle two', () => {
    const baseline = (index: number) => (index % 2 === 0 ? 1000 : 3000)
    const spike = project(baseline, 20_000)
    const expected = median(before.map((_, index) => baseline(index)))
    expect(expected).toBe(2000)
    expect(judge(spike)).toEqual([{day, scope: 'project', name: 'api', credits: 20_000, baseline: expected, ratio: 20_000 / expected}])
  })

  it('flags a day at exactly 1.5 x its baseline, not one a credit below', () => {
    const flat = 10_000
    expect(judge(project(() => flat, 1.5 * flat)).map((anomaly) => anomaly.ratio)).toEqual([1.5])
    expect(judge(project(() => flat, 1.5 * flat - 1))).toEqual([])
  })

  it('needs an excess of 6 robust standard deviations (1.4826 x the MAD) over the baseline', () => {
    // Half the days 1,000 below 10,000, half 1,000 above: median 10,000, MAD 1,000.
    const baseline = (index: number) => (index % 2 === 0 ? 9000 : 11_000)
    const values = before.map((_, index) => baseline(index))
    const center = median(values)
    const mad = median(values.map((value) => Math.abs(value - center)))
    const needed = 6 * 1.4826 * mad
    expect(judge(project(baseline, center + needed + 5))).toHaveLength(1)
    expect(judge(project(baseline, center + needed - 5))).toEqual([])
  })

  it("needs an excess of 1 % of the whole report's median day when that is more than 1,000 credits", () => {
    const total = new Map([...held].map((d) => [d, 1_000_000]))
    const floor = 0.01 * 1_000_000
    expect(floor).toBeGreaterThan(MIN_EXCESS_CREDITS)
    expect(judge(project(() => 1000, 1000 + floor), total)).toHaveLength(1)
    expect(judge(project(() => 1000, 1000 + floor - 1), total)).toEqual([])
  })

  it('lists the largest excess over the baseline first', () => {
    const small = {...project(() => 1000, 5000), name: 'small'}
    const large = {...project(() => 2000, 20_000), name: 'large'}
    const excess = (series: ScopeSeries) => series.values.get(day)! - median(before.map((d) => series.values.get(d)!))
    const expected = [small, large].sort((a, b) => excess(b) - excess(a)).map((series) => series.name)
    expect(expected).toEqual(['large', 'small'])
    for (const order of [[small, large], [large, small]]) {
      expect(findAnomalies(order, [day], held, large.values).map((anomaly) => anomaly.name)).toEqual(expected)
    }
  })

  it('needs 14 held baseline days: 13 are not enough', () => {
    const spike = project(() => 1000, 50_000)
    const holding = (count: number) => new Set([...before.slice(28 - count), day])
    expect(judge(spike, spike.values, holding(14))).toHaveLength(1)
    expect(judge(spike, spike.values, holding(13))).toEqual([])
  })
})
