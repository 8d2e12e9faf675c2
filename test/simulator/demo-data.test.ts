import {createHash} from 'node:crypto'

import {describe, expect, it} from '@jest/globals'

import {CREDIT_COLUMNS, USAGE_COLUMNS} from '../../src/core/usage-columns.js'
import {
  DEMO_DAYS,
  demoOrganizationIds,
  DETAILED_DAYS,
  generateDemoData,
  SPIKE_CREDITS_PER_RUN,
  SPIKE_DAYS_AGO,
  SPIKE_PROJECT,
  SPIKE_RUNS,
} from '../../src/simulator/demo-data.js'

const NOW = new Date('2024-11-20T09:30:00Z')
const NULL = '\\\\N'
const data = generateDemoData({seed: 42, now: NOW, rowsPerDay: 150})
const col = (name: string) => USAGE_COLUMNS.indexOf(name as (typeof USAGE_COLUMNS)[number])
const rows = data.rows.map((r) => r.values)
const values = (name: string) => rows.map((r) => r[col(name)])
const credits = (r: string[]) => Number(r[col('TOTAL_CREDITS')])
const projectCredits = (name: string, filter: (r: string[]) => boolean = () => true) =>
  rows.filter((r) => r[col('PROJECT_NAME')] === name && filter(r)).reduce((sum, r) => sum + credits(r), 0)
const dayOf = (r: string[]) => r[col('JOB_RUN_DATE')]

describe('demo dataset', () => {
  it('is deterministic for a seed and a day, and differs for another seed', () => {
    // Digests, because a deep comparison of ~9,000 rows is slow in Jest.
    const digest = (d: typeof data) => createHash('sha256').update(d.rows.map((r) => `${r.runAtMs},${r.values.join(',')}`).join('\n')).digest('hex')
    expect(digest(generateDemoData({seed: 42, now: new Date('2024-11-20T23:59:00Z'), rowsPerDay: 150}))).toBe(digest(data))
    expect(digest(generateDemoData({seed: 7, now: NOW, rowsPerDay: 150}))).not.toBe(digest(data))
  })

  it('has the 48 export columns and about rowsPerDay rows a day over the detailed days, fewer before', () => {
    expect(data.header).toEqual([...USAGE_COLUMNS])
    expect(data.header).toHaveLength(48)
    const firstDetailed = new Date(Date.parse('2024-11-20T00:00:00Z') - DETAILED_DAYS * 86_400_000).toISOString().slice(0, 10)
    const detailed = rows.filter((r) => dayOf(r) >= firstDetailed)
    expect(new Set(detailed.map(dayOf)).size).toBe(DETAILED_DAYS)
    // Weekends are quieter and usage grows about 1 % a week, so the average sits a little under rowsPerDay.
    expect(detailed.length).toBeGreaterThan(DETAILED_DAYS * 150 * 0.75)
    expect(detailed.length).toBeLessThan(DETAILED_DAYS * 150 * 1.1)
    expect(rows.length - detailed.length).toBeLessThan((DEMO_DAYS - DETAILED_DAYS) * 150 * 0.3)
    expect(rows.filter((r) => r.length !== 48)).toEqual([])
  })

  it('never puts a comma, quote or line break in a value (the dialect is unquoted)', () => {
    const bad = rows.flat().filter((v) => /[,"\r\n]/.test(v))
    expect(bad).toEqual([])
  })

  it('covers the DEMO_DAYS whole days before today, not today', () => {
    const days = [...new Set(values('JOB_RUN_DATE'))].sort()
    expect(days).toHaveLength(DEMO_DAYS)
    expect(days.at(-1)).toBe('2024-11-19')
    expect(days[0]).toBe(new Date(Date.parse('2024-11-20T00:00:00Z') - DEMO_DAYS * 86_400_000).toISOString().slice(0, 10))
    expect(data.rows.filter((row) => !(row.runAtMs < Date.parse('2024-11-20T00:00:00Z')))).toEqual([])
  })

  it('keeps credits consistent: integers, TOTAL_CREDITS = the sum of the eight credit columns', () => {
    // Collected, then asserted once: one expect per row would make this test slow.
    const inconsistent = rows.filter((r) => {
      const parts = CREDIT_COLUMNS.map((c) => r[col(c)])
      return ![...parts, r[col('TOTAL_CREDITS')]].every((p) => /^\d+$/.test(p)) ||
        parts.reduce((sum, p) => sum + Number(p), 0) !== credits(r)
    })
    expect(inconsistent).toEqual([])
    expect(rows.reduce((sum, r) => sum + credits(r), 0)).toBeGreaterThan(0)
  })

  it('has unique JOB_IDs and uuid-shaped ids', () => {
    const ids = values('JOB_ID')
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids.slice(0, 50)) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
  })

  it('has failed, canceled, blocked, running and queued rows next to a success majority', () => {
    const statuses = values('JOB_BUILD_STATUS')
    const share = (s: string) => statuses.filter((v) => v === s).length / statuses.length
    expect(share('success')).toBeGreaterThan(0.6)
    for (const s of ['failed', 'canceled', 'blocked', 'running', 'queued']) expect(share(s)).toBeGreaterThan(0)
    expect(share('failed')).toBeLessThan(0.15)
    expect(rows.filter((r) => r[col('JOB_BUILD_STATUS')] === 'failed').reduce((s, r) => s + credits(r), 0)).toBeGreaterThan(0)
  })

  it('has job-less rows with no job details and 0 credits, and rows placed only by JOB_RUN_DATE', () => {
    const jobless = rows.filter((r) => r[col('JOB_NAME')] === NULL)
    expect(jobless.length).toBeGreaterThan(50)
    expect(jobless.filter((r) => credits(r) !== 0 || r[col('RESOURCE_CLASS')] !== NULL)).toEqual([])
    const undated = data.rows.filter((r) => r.values[col('JOB_RUN_STARTED_AT')] === NULL)
    expect(undated.length).toBeGreaterThan(0)
    expect(undated.filter((r) => r.runAtMs !== Date.parse(`${r.values[col('JOB_RUN_DATE')]}T00:00:00Z`))).toEqual([])
  })

  it('reports no utilisation for short and runner jobs, and some utilisation elsewhere', () => {
    const ran = rows.filter((r) => r[col('JOB_RUN_SECONDS')] !== NULL)
    const wrong = ran.filter((r) => {
      const unknown = Number(r[col('JOB_RUN_SECONDS')]) < 15 || r[col('EXECUTOR')] === 'runner'
      return (r[col('MEDIAN_CPU_UTILIZATION_PCT')] === NULL) !== unknown
    })
    expect(wrong).toEqual([])
    expect(ran.some((r) => r[col('MEDIAN_CPU_UTILIZATION_PCT')] !== NULL)).toBe(true)
    expect(ran.some((r) => r[col('EXECUTOR')] === 'runner')).toBe(true)
    expect(ran.some((r) => Number(r[col('JOB_RUN_SECONDS')]) < 15)).toBe(true)
  })

  it('has over-provisioned and under-provisioned jobs for rightsizing', () => {
    const cpu = (r: string[]) => Number(r[col('MEDIAN_CPU_UTILIZATION_PCT')])
    const big = rows.filter((r) => ['large', 'xlarge', '2xlarge'].includes(r[col('RESOURCE_CLASS')]) && r[col('MEDIAN_CPU_UTILIZATION_PCT')] !== NULL)
    expect(big.filter((r) => cpu(r) < 15).length).toBeGreaterThan(50)
    const small = rows.filter((r) => ['small', 'medium'].includes(r[col('RESOURCE_CLASS')]) && r[col('MEDIAN_CPU_UTILIZATION_PCT')] !== NULL)
    expect(small.filter((r) => cpu(r) > 85).length).toBeGreaterThan(50)
  })

  it('spans the executors and resource classes the product must handle', () => {
    expect(new Set(values('EXECUTOR'))).toEqual(new Set(['docker', 'machine', 'macos', 'windows', 'runner', NULL]))
    const classes = new Set(values('RESOURCE_CLASS'))
    for (const c of ['small', 'medium', 'medium+', 'large', 'xlarge', '2xlarge', 'arm.medium', 'arm.large',
      'macos.m1.medium.gen1', 'windows.medium', 'gpu.nvidia.small', 'acme/runner-gpu']) expect(classes).toContain(c)
    const branches = values('VCS_BRANCH')
    expect(branches).toContain('main')
    expect(branches.some((b) => b.startsWith('feature/'))).toBe(true)
    expect(branches.some((b) => b.startsWith('dependabot/'))).toBe(true)
  })

  it('has three orgs, ~15 projects with a skewed spend, and names that need escaping', () => {
    expect(new Set(values('ORGANIZATION_ID'))).toEqual(new Set(data.orgIds))
    expect(data.orgIds).toHaveLength(3)
    expect(data.orgIds).toContain(data.primaryOrgId)
    const names = [...new Set(values('PROJECT_NAME'))]
    expect(names.length).toBeGreaterThanOrEqual(14)
    for (const n of ['web&api', '<legacy>', "o'reilly-docs", '*bold*']) expect(names).toContain(n)
    expect(names.some((n) => /[^\u0020-\u007e]/.test(n))).toBe(true)
    const spend = names.map((n) => projectCredits(n)).sort((a, b) => b - a)
    const total = spend.reduce((a, b) => a + b, 0)
    // Pareto-like: the top three projects take most of the credits, the smallest a sliver.
    expect((spend[0] + spend[1] + spend[2]) / total).toBeGreaterThan(0.6)
    expect(spend.at(-1)! / total).toBeLessThan(0.01)
  })

  it('has projects that appear and vanish mid-range (week-over-week movers)', () => {
    const lastWeek = (r: string[]) => dayOf(r) >= '2024-11-13'
    const weekBefore = (r: string[]) => dayOf(r) >= '2024-11-06' && dayOf(r) < '2024-11-13'
    expect(projectCredits('checkout-v2', weekBefore)).toBe(0)
    expect(projectCredits('checkout-v2', lastWeek)).toBeGreaterThan(0)
    expect(projectCredits('old-monolith', weekBefore)).toBeGreaterThan(0)
    expect(projectCredits('old-monolith', lastWeek)).toBe(0)
  })

  describe('the long history', () => {
    const creditsByDay = new Map<string, number>()
    for (const r of rows) creditsByDay.set(dayOf(r), (creditsByDay.get(dayOf(r)) ?? 0) + credits(r))
    const days = [...creditsByDay.keys()].sort()
    const mean = (list: string[]) => list.reduce((sum, day) => sum + creditsByDay.get(day)!, 0) / list.length
    const weekend = (day: string) => [0, 6].includes(new Date(`${day}T00:00:00Z`).getUTCDay())

    it('has a weekday/weekend rhythm', () => {
      expect(mean(days.filter((day) => !weekend(day)))).toBeGreaterThan(2 * mean(days.filter(weekend)))
    })

    it('grows: the last eight weeks spend clearly more a day than eight weeks a year earlier', () => {
      expect(mean(days.slice(-56, -7))).toBeGreaterThan(1.3 * mean(days.slice(-56 - 364, -364)))
    })

    it('keeps credits a day continuous where the rows become lighter (older days carry more per row)', () => {
      const boundary = days.length - DETAILED_DAYS
      const before = mean(days.slice(boundary - 28, boundary))
      const after = mean(days.slice(boundary, boundary + 28))
      expect(after / before).toBeGreaterThan(0.85)
      expect(after / before).toBeLessThan(1.2)
    })

    it('has one spike: SPIKE_RUNS extra runs of about SPIKE_CREDITS_PER_RUN credits in SPIKE_PROJECT', () => {
      const spikeDay = new Date(Date.parse('2024-11-20T00:00:00Z') - SPIKE_DAYS_AGO * 86_400_000).toISOString().slice(0, 10)
      const replays = rows.filter((r) => r[col('WORKFLOW_NAME')] === 'replay-backfill')
      expect(replays).toHaveLength(SPIKE_RUNS)
      expect(new Set(replays.map(dayOf))).toEqual(new Set([spikeDay]))
      expect(new Set(replays.map((r) => r[col('PROJECT_NAME')]))).toEqual(new Set([SPIKE_PROJECT]))
      const spent = replays.reduce((sum, r) => sum + credits(r), 0)
      expect(spent / SPIKE_RUNS).toBeGreaterThan(SPIKE_CREDITS_PER_RUN * 0.7)
      expect(spent / SPIKE_RUNS).toBeLessThan(SPIKE_CREDITS_PER_RUN * 1.4)
    })

    it('names its organizations as demoOrganizationIds does, primary first', () => {
      expect(demoOrganizationIds()).toEqual([data.primaryOrgId, ...data.orgIds.filter((id) => id !== data.primaryOrgId)])
    })
  })
})
