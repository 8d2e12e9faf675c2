import {join} from 'node:path'

import {renderChartPng, renderCharts} from '../charts/index.js'
import {PROJECT_CHART_ID} from '../charts/project-chart.js'
import {writeFileAtomic} from '../core/atomic.js'
import type {TeamVisuals} from '../report/index.js'
import {renderReportHtml} from './report.js'

/**
 * Each team's page, teams/<team>.html: the same self-contained report, rendered from the team's own Summary,
 * linking back to report.html. Teams with a Slack channel also get teams/<team>.png, the chart their message
 * carries. Fills in each entry's page and chart (so report.html can link to the pages) and returns the files.
 */
export async function writeTeamPages(outDir: string, teams: TeamVisuals[], options: {top?: number} = {}): Promise<string[]> {
  const files: string[] = []
  for (const {entry, summary} of teams) {
    const charts = renderCharts(summary, options)
    const page = entry.summary.replace(/\.json$/, '.html')
    await writeFileAtomic(join(outDir, ...page.split('/')), renderReportHtml(summary, charts, {team: entry.team, parentHref: '../report.html'}))
    entry.page = page
    files.push(page)
    if (entry.slackChannel === null) continue
    const projectChart = charts.find((chart) => chart.name === `${PROJECT_CHART_ID}.svg`)
    if (!projectChart) continue
    const chart = entry.summary.replace(/\.json$/, '.png')
    await writeFileAtomic(join(outDir, ...chart.split('/')), renderChartPng(projectChart.svg))
    entry.chart = chart
    files.push(chart)
  }
  return files
}
