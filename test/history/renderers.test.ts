import {XMLValidator} from 'fast-xml-parser'

import type {Summary, Trend, TrendWeek} from '../../src/analysis/summary.js'
import {lastWeekChange} from '../../src/analysis/week-change.js'
import {renderCharts} from '../../src/charts/index.js'
import {formatCredits, formatDayShort} from '../../src/charts/format.js'
import {textWidth} from '../../src/charts/text-metrics.js'
import {weekChart} from '../../src/charts/week-chart.js'
import {renderReportHtml} from '../../src/html/report.js'
import {historyLines} from '../../src/report/history-lines.js'
import {renderMarkdown, renderTable} from '../../src/report/render.js'
import {slackChart} from '../../src/slack/history.js'
import {buildSlackMessage} from '../../src/slack/payload.js'
import {shouldNotify} from '../../src/slack/policy.js'
import {HOSTILE_NAMES as SVG_HOSTILE, makeSummary} from '../charts/fixtures.js'
import {blockKitViolations} from '../slack/block-kit-limits.js'
import {HOSTILE_NAMES as SLACK_HOSTILE, normalWeek} from '../slack/fixtures.js'
import {forecastMonth} from '../../src/history/forecast.js'
import {withHistory} from './fixtures.js'

/** The week chart's SVG, or null without a trend. */
const renderWeekChart = (summary: Summary, top: number): string | null => weekChart(summary, top)?.svg ?? null

const MEDIUM_HOSTILE = ['<script>alert(1)</script>', '*bold*', 'a|b', 'x;y', 'line\nbreak', '=cmd()', `quote " and ' apostrophe`]

describe('credits-by-week chart', () => {
  const summary = withHistory(makeSummary({projects: 12, names: SVG_HOSTILE}), SVG_HOSTILE, {partialWeek: true})

  it('is only drawn with a history', () => {
    expect(renderCharts(makeSummary({projects: 5})).map((chart) => chart.name)).not.toContain('credits-by-week.svg')
    expect(renderCharts(summary).map((chart) => chart.name)).toContain('credits-by-week.svg')
    expect(renderWeekChart(makeSummary({projects: 5}), 10)).toBeNull()
  })

  it('describes every week with its credits to a screen reader, which reads only its title and desc (WCAG 1.1.1)', () => {
    const desc = renderWeekChart(summary, 10)!.match(/<desc\b[^>]*>([^<]*)<\/desc>/)![1]
    expect(summary.trend!.weeks.length).toBeGreaterThan(2)
    for (const week of summary.trend!.weeks) expect(desc).toMatch(new RegExp(`Week of ${week.start}[^:]*: ${formatCredits(week.credits)} credits`))
  })

  it('is valid SVG with every name escaped, the partial week lighter, and the same bytes every time', () => {
    const svg = renderWeekChart(summary, 10)!
    expect(XMLValidator.validate(svg)).toBe(true)
    expect(svg).not.toContain('<script>')
    expect(svg).not.toContain('<img')
    expect(svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(svg.match(/<g opacity="0.45">/g)).toHaveLength(1)
    expect(svg).toContain('so far, the week is not complete')
    expect(renderWeekChart(summary, 10)).toBe(svg)
  })

  it('says of a past week the history lacks days of that it lacks them, not that it is still running', () => {
    const gap = withHistory(makeSummary({projects: 3}), ['a'], {partialWeek: true})
    gap.trend = {...gap.trend!, weeks: gap.trend!.weeks.map((week, index) => (index === 1 ? {...week, complete: false, credits: 0} : week))}
    const svg = renderWeekChart(gap, 10)!
    expect(svg).toContain(`Week of ${gap.trend.weeks[1].start} (the history does not hold all its days): 0 credits`)
    expect(svg.match(/<title>[^<]*so far, the week is not complete/g)).toHaveLength(1)
    const html = renderReportHtml(gap, [])
    expect(html).toContain('no (days missing from the history)')
    expect(html.match(/no \(so far\)/g)).toHaveLength(1)
  })

  it("describes the last week's change with the page's own figure", () => {
    const grown = withHistory(makeSummary({projects: 3}), ['a'])
    const weeks = grown.trend!.weeks.map((week, index, all) => (index === all.length - 2 ? {...week, credits: 1000} : index === all.length - 1 ? {...week, credits: 12_500, complete: true} : week))
    grown.trend = {...grown.trend!, weeks}
    const svg = renderWeekChart(grown, 10)!
    expect(svg).toContain('12,500 credits, +1,150.0% on the week before.')
    expect(renderReportHtml(grown, [])).toContain('+1,150.0% on the week before')
  })

  it('labels the last week without writing it over the label before it, for any --trend-weeks', () => {
    // The last week is always labelled; with 26 weeks its "Jun 24" was drawn across the regular "Jun 17".
    const start = Date.UTC(2024, 0, 1)
    for (let count = 2; count <= 52; count++) {
      const day = (index: number) => new Date(start + index * 7 * 86_400_000).toISOString().slice(0, 10)
      const weeks: TrendWeek[] = Array.from({length: count}, (_, index) => ({start: day(index), end: day(index + 1), credits: 1000 + index, jobs: 1, failedCredits: 0, complete: index < count - 1}))
      const trend: Trend = {weeks, split: {by: 'project', points: weeks.map((week) => ({week: week.start, key: 'p', credits: week.credits}))}}
      const svg = renderWeekChart({...makeSummary({projects: 1, names: ['p']}), trend}, 10)!
      const axis = svg.slice(svg.indexOf('<g class="x-axis">'), svg.indexOf('</g>', svg.indexOf('<g class="x-axis">')))
      const labels = [...axis.matchAll(/<text x="([\d.]+)"[^>]*>([^<]*)<\/text>/g)].map(([, x, text]) => ({x: Number(x), half: textWidth(text, 12) / 2, text}))
      expect({count, last: labels.at(-1)?.text}).toEqual({count, last: formatDayShort(weeks[count - 1].start)})
      labels.slice(1).forEach((label, index) => {
        const before = labels[index]
        expect({count, labels: `${before.text} | ${label.text}`, apart: label.x - label.half >= before.x + before.half}).toEqual({count, labels: `${before.text} | ${label.text}`, apart: true})
      })
    }
  })

  it('stacks at most one series per palette colour plus other, and says when there was no usage', () => {
    const svg = renderWeekChart(summary, 10)!
    const legend = svg.slice(svg.indexOf('<g class="legend">'), svg.indexOf('<g class="grid">'))
    expect(legend.match(/<rect /g)!.length).toBeLessThanOrEqual(8)
    expect(legend).toContain('other projects')
    const empty = withHistory(makeSummary({projects: 2}), ['a'])
    empty.trend = {weeks: empty.trend!.weeks.map((week) => ({...week, credits: 0})), split: {by: 'project', points: []}}
    expect(renderWeekChart(empty, 10)).toContain('no credits used')
  })
})

describe('report.html history section', () => {
  it('shows forecast, budgets, anomalies and weeks, escaping every name, linked from the navigation', () => {
    const html = renderReportHtml(withHistory(makeSummary({projects: 8, names: SVG_HOSTILE}), SVG_HOSTILE), [])
    expect(XMLValidator.validate(html)).toBe(true)
    expect(html).toContain('<section id="history"')
    expect(html).toContain('href="#history"')
    expect(html).not.toMatch(/<script>alert/)
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    for (const text of ['Forecast for 2024-11', '530,001 credits', 'OVER (100 %+)', 'high (90 %+)', '41.0x', 'Week (Monday)']) expect(html).toContain(text)
    expect(renderReportHtml(makeSummary({projects: 3}), [])).not.toContain('id="history"')
  })

  it("shows a team page's own budgets and anomalies, which its Summary and its Slack message carry without a trend", () => {
    // A team's Summary (analysis/team-summary) gets the org's budgets and anomalies about the team, and no trend.
    const team = {...withHistory(makeSummary({projects: 3}), ['api']), trend: null, forecast: null}
    const html = renderReportHtml(team, [], {team: 'platform', parentHref: '../report.html'})
    expect(XMLValidator.validate(html)).toBe(true)
    expect(html).toContain('<section id="history"')
    expect(html).toContain('href="#history"')
    for (const text of ['OVER (100 %+)', 'high (90 %+)', '41.0x']) expect(html).toContain(text)
    expect(html).not.toContain('Week (Monday)')
  })
})

describe('terminal and Markdown lines', () => {
  const summary = withHistory(normalWeek, MEDIUM_HOSTILE)

  it('lists trend, forecast, budgets at risk and anomalies under the table', () => {
    const table = renderTable(summary)
    expect(table).toMatch(/Trend \(4 ISO weeks\): week of 2024-11-11 130,000 credits \(\+8\.3% on the week before\)/)
    expect(table).toMatch(/Forecast 2024-11: 530,001 credits \(80%: 510,000–560,000\); 300,000 so far, day 17 of 30/)
    expect(table).toMatch(/Budgets: 2 of 3 at risk/)
    expect(table).toMatch(/OVER: project <script>alert\(1\)<\/script> \(week\) projected 125,000 credits of 100,000 credits \(125\.0%\)/)
    expect(table).toMatch(/HIGH: org \*bold\* \(month\) projected \$560\.00 of \$600\.00/)
    expect(table).toMatch(/2024-11-14 project a\|b: 82,000 credits, 41\.0x its baseline of 2,000/)
  })

  it('says "1 ISO week" for --trend-weeks 1', () => {
    const one = withHistory(normalWeek, ['api'])
    const table = renderTable({...one, trend: {...one.trend!, weeks: one.trend!.weeks.slice(-1)}})
    expect(table).toContain('Trend (1 ISO week): week of 2024-11-11')
  })

  it('escapes names for Markdown and the terminal', () => {
    const markdown = renderMarkdown(withHistory(normalWeek, ['*bold*', 'a|b', 'line\nbreak']))
    expect(markdown).toContain('\\*bold\\*')
    expect(markdown).toContain('a\\|b')
    expect(markdown).not.toContain('line\nbreak')
    expect(renderTable(withHistory(normalWeek, ['line\nbreak', 'x', '\u001b[31mred']))).not.toMatch(/line\nbreak|\u001b/)
  })
})

describe('Slack message with a history', () => {
  it('leads with the budgets at risk, then the usual summary, the forecast and the anomalies', () => {
    const message = buildSlackMessage(withHistory(normalWeek, ['api', 'acme', 'data']), {})
    const texts = message.blocks.map((block) => JSON.stringify(block))
    expect(texts[0]).toContain('"type":"header"')
    expect(texts[1]).toContain('Budgets at risk (2 of 3)')
    expect(texts[1].indexOf('project api')).toBeLessThan(texts[1].indexOf('org acme'))
    expect(texts.findIndex((text) => text.includes('Month-end forecast'))).toBeGreaterThan(2)
    expect(texts.some((text) => text.includes('2024-11-14 project data: 82,000 credits, 41.0x'))).toBe(true)
    expect(message.text.startsWith('Budgets at risk: over project api (week)')).toBe(true)
    expect(message.text).toContain('Forecast: 530,001 credits projected for 2024-11')
    expect(blockKitViolations(message)).toEqual([])
  })

  it('has no budget block when all are ok, and nothing of the history without one', () => {
    const ok = buildSlackMessage(withHistory(normalWeek, ['api'], {allOk: true}), {})
    expect(JSON.stringify(ok.blocks)).not.toContain('Budgets at risk')
    expect(JSON.stringify(buildSlackMessage(normalWeek, {}))).not.toMatch(/forecast|Anomalies|Budgets/)
  })

  it('keeps hostile names inert', () => {
    const message = buildSlackMessage(withHistory(normalWeek, SLACK_HOSTILE), {})
    const all = JSON.stringify(message)
    expect(all).not.toContain('<!channel>')
    expect(all).not.toContain('<@U024BE7LH>')
    // Names carrying formatting characters are shown inside inline code, as they are, with no invisible character.
    expect(all).toContain('`*bold*`')
    expect(all).not.toMatch(/[\u200B-\u200F\u2060]/)
    expect(blockKitViolations(message)).toEqual([])
  })

  it('attaches the weekly chart when there is a trend', () => {
    expect(slackChart(withHistory(normalWeek, ['a']), '/out/credits-by-project.png')).toMatchObject({path: '/out/credits-by-week.png', title: 'Credits by week'})
    expect(slackChart(normalWeek, '/out/credits-by-project.png')).toMatchObject({path: '/out/credits-by-project.png', title: 'Credits by project'})
  })

  it("names the charts' last days in their alt text, not the exclusive ends", () => {
    const lastDay = new Date(Date.parse(normalWeek.window.end) - 1).toISOString().slice(0, 10)
    expect(slackChart(normalWeek, '/out/p.png').altText).toMatch(new RegExp(`${normalWeek.window.start.slice(0, 10)} to ${lastDay}$`))
    const trended = withHistory(normalWeek, ['a'])
    const weeks = trended.trend!.weeks
    const lastSunday = new Date(Date.parse(`${weeks[weeks.length - 1].end}T00:00:00Z`) - 1).toISOString().slice(0, 10)
    expect(slackChart(trended, '/out/p.png').altText).toMatch(new RegExp(`${weeks[0].start} to ${lastSunday}$`))
  })
})

describe('--notify-if-budget-at-risk and --notify-if-anomaly', () => {
  const risky = withHistory(normalWeek, ['api'])
  const calm: Summary = {...withHistory(normalWeek, ['api'], {allOk: true}), anomalies: []}

  it('post only when a budget is not ok, or an anomaly was found', () => {
    expect(shouldNotify(risky, {mode: 'always', budgetAtRisk: true})).toEqual({post: true, reason: 'posting: 2 budget(s) at risk: api over, acme high (--notify-if-budget-at-risk)'})
    expect(shouldNotify(calm, {mode: 'always', budgetAtRisk: true})).toEqual({post: false, reason: 'not posting: all 3 budget(s) are ok (--notify-if-budget-at-risk)'})
    expect(shouldNotify(risky, {mode: 'always', anomaly: true}).post).toBe(true)
    expect(shouldNotify(calm, {mode: 'always', anomaly: true})).toEqual({post: false, reason: 'not posting: no anomaly found (--notify-if-anomaly)'})
    expect(shouldNotify(normalWeek, {mode: 'always', anomaly: true, budgetAtRisk: true}).reason).toMatch(/no budgets in the summary .*no anomaly detection/)
  })

  it('post when any threshold is reached, never with --notify never', () => {
    expect(shouldNotify(calm, {mode: 'always', anomaly: true, creditsOver: 0}).post).toBe(true)
    expect(shouldNotify(risky, {mode: 'never', anomaly: true, budgetAtRisk: true}).post).toBe(false)
  })
})

describe('lastWeekChange: one week-over-week figure for every medium', () => {
  const week = (start: string, credits: number, complete = true) => ({start, end: start, credits, jobs: 1, complete}) as unknown as TrendWeek
  const trendOf = (weeks: TrendWeek[]): Trend => ({weeks, split: {by: 'project', points: []}})

  it('compares the last complete week with the complete week before, exactly', () => {
    const change = lastWeekChange(trendOf([week('2024-11-04', 100), week('2024-11-11', 115), week('2024-11-18', 5, false)]))
    expect(change).toMatchObject({last: {start: '2024-11-11'}, before: {start: '2024-11-04'}, pct: 15})
  })

  it('skips a week between them that the history holds only in part: the week before is the complete one before', () => {
    const change = lastWeekChange(trendOf([week('2024-10-28', 200), week('2024-11-04', 20, false), week('2024-11-11', 250), week('2024-11-18', 5, false)]))
    expect(change).toMatchObject({last: {start: '2024-11-11'}, before: {start: '2024-10-28'}, pct: ((250 - 200) * 100) / 200})
  })

  it('signs the change by its direction after a week that netted negative (a refund): +150 on -100 is +150 %', () => {
    expect(lastWeekChange(trendOf([week('2024-11-04', -100), week('2024-11-11', 50)]))!.pct).toBe(150)
  })

  it('has no percentage after a week that spent nothing, and the terminal says "new" as the HTML does', () => {
    const trend = trendOf([week('2024-11-04', 0), week('2024-11-11', 40)])
    expect(lastWeekChange(trend)!.pct).toBeNull()
    expect(historyLines({...normalWeek, trend} as Summary)[0]).toContain('(new on the week before)')
  })
})

describe('a month reported on its last day', () => {
  // October 2024 through its last day, but the history starts on the 5th (older days were never exported).
  const series = new Map(Array.from({length: 27}, (_, index) => [`2024-10-${String(index + 5).padStart(2, '0')}`, 1_000]))
  const made = forecastMonth(series, '2024-10-31', 27_000)
  const forecast = {period: made.period, actualToDate: made.actual, daysElapsed: made.daysElapsed, daysInPeriod: made.daysInPeriod, projected: made.projected, low: made.low, high: made.high, method: made.method}
  const lacking = {...withHistory(normalWeek, ['api', 'acme', 'data']), forecast}

  it('is not called ended at what the history holds when it lacks days of the month', () => {
    // Day 31 of 31, yet 4 days are projected: 27,000 held + 4 x 1,000 = 31,000.
    expect(forecast).toMatchObject({daysElapsed: 31, daysInPeriod: 31, actualToDate: 27_000, projected: 31_000})
    const texts = [renderTable(lacking), renderReportHtml(lacking, []), JSON.stringify(buildSlackMessage(lacking, {}))]
    for (const text of texts) {
      expect(text).not.toMatch(/ended at 27,000|ended: all 31 days/)
      expect(text).toContain('31,000')
    }
  })

  it('is called ended when every day is held', () => {
    const full = new Map(Array.from({length: 31}, (_, index) => [`2024-10-${String(index + 1).padStart(2, '0')}`, 1_000.000001]))
    const whole = forecastMonth(full, '2024-10-31', 31_000.000031)
    const summary = {...lacking, forecast: {...forecast, actualToDate: whole.actual, projected: Math.round(whole.projected * 100) / 100, low: whole.low, high: whole.high}}
    expect(renderTable(summary)).toContain('Month 2024-10 ended at 31,000')
    expect(renderReportHtml(summary, [])).toContain('ended: all 31 days held')
    expect(buildSlackMessage(summary, {}).text).toContain('2024-10 ended at 31,000')
  })
})
