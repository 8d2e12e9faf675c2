/**
 * The weekly trend chart's names, apart from week-chart.ts so that what only needs a name (the Slack message
 * picking its attachment) does not load the chart code.
 */
export const WEEK_CHART_ID = 'credits-by-week'

/** Written with a history: Slack then shows the weekly trend instead of the projects. */
export const WEEK_CHART_PNG = `${WEEK_CHART_ID}.png`
