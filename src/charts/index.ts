import type {Summary} from '../analysis/summary.js'
import {DAY_CHART_ID, dayChart} from './day-chart.js'
import {PROJECT_CHART_ID, projectChart} from './project-chart.js'
import {RESOURCE_CLASS_CHART_ID, resourceClassChart} from './resource-class-chart.js'
import {weekChart} from './week-chart.js'
import {WEEK_CHART_ID} from './week-chart-name.js'

export {renderChartPng} from './png.js'

/**
 * One rendered chart: `name` is its file name (e.g. `credits-by-project.svg`), `title` its heading, `figures`
 * every bar's or column's figures as text (report.html lists them under the chart).
 */
export interface ChartFile {
  name: string
  svg: string
  title: string
  figures: string[]
}

export const DEFAULT_TOP = 10

/**
 * All charts for a summary, in the order the report shows them. Pure and deterministic: the same summary
 * gives the same bytes. `top` is how many projects (and resource classes) get their own bar.
 */
export function renderCharts(summary: Summary, options: {top?: number} = {}): ChartFile[] {
  const top = options.top !== undefined && Number.isFinite(options.top) && options.top >= 1 ? Math.floor(options.top) : DEFAULT_TOP
  const week = weekChart(summary, top)
  return [
    {name: `${PROJECT_CHART_ID}.svg`, title: 'Credits by project', ...projectChart(summary, top)},
    {name: `${DAY_CHART_ID}.svg`, title: 'Credits by day', ...dayChart(summary, top)},
    {name: `${RESOURCE_CLASS_CHART_ID}.svg`, title: 'Credits by resource class', ...resourceClassChart(summary, top)},
    // Only with a history (summary.trend).
    ...(week ? [{name: `${WEEK_CHART_ID}.svg`, title: 'Credits by week', ...week}] : []),
  ]
}
