import {join} from 'node:path'

import type {Summary} from '../analysis/summary.js'
import {renderChartPng, renderCharts} from '../charts/index.js'
import {PROJECT_CHART_ID} from '../charts/project-chart.js'
import {WEEK_CHART_ID, WEEK_CHART_PNG} from '../charts/week-chart-name.js'
import {writeFileAtomic} from '../core/atomic.js'
import type {TeamVisuals} from '../report/index.js'
import {renderReportHtml} from './report.js'
import {writeTeamPages} from './team-pages.js'

export const REPORT_HTML = 'report.html'
export const PROJECT_CHART_PNG = `${PROJECT_CHART_ID}.png`

/**
 * I/O edge for the visuals: renders the charts, the Slack PNG of credits-by-project and report.html from the
 * summary and writes each atomically into `outDir` (which must exist). Returns the file names written, in a
 * stable order, for summary.artifacts.
 */
export async function writeVisualArtifacts(outDir: string, summary: Summary, options: {top?: number; teams?: TeamVisuals[]} = {}): Promise<string[]> {
  // Team pages first: report.html links to the pages they write.
  const teamFiles = await writeTeamPages(outDir, options.teams ?? [], {top: options.top})
  const charts = renderCharts(summary, options)
  const projectChart = charts.find((chart) => chart.name === `${PROJECT_CHART_ID}.svg`)
  if (!projectChart) throw new Error(`internal: renderCharts returned no ${PROJECT_CHART_ID}.svg`)
  const html = renderReportHtml(summary, charts)
  const png = renderChartPng(projectChart.svg)
  const weekChart = charts.find((chart) => chart.name === `${WEEK_CHART_ID}.svg`)

  const files: [string, string | Uint8Array][] = [
    ...charts.map((chart): [string, string] => [chart.name, chart.svg]),
    [PROJECT_CHART_PNG, png],
    ...(weekChart ? [[WEEK_CHART_PNG, renderChartPng(weekChart.svg)] as [string, Uint8Array]] : []),
    [REPORT_HTML, html],
  ]
  for (const [name, data] of files) await writeFileAtomic(join(outDir, name), data)
  return [...files.map(([name]) => name), ...teamFiles]
}
