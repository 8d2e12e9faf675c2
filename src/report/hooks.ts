import type {ReportOptions} from './index.js'

/**
 * What every full report adds to the bare summary: savings (rightsizing, failing jobs) computed on the report's
 * narrow copy of the export (one scan of the big file in all), then the charts, the PNG and report.html. Shared
 * by `report` and `run`. Both are imported when called: the chart/PNG/HTML stack (resvg, fonts, d3) is only
 * needed once the summary exists, so loading it lazily keeps it out of the process while DuckDB is busiest.
 */
export function fullReportHooks(top: number): Pick<ReportOptions, 'enrich' | 'visuals'> {
  return {
    enrich: async (source, summary, scope) => {
      const {computeSavings} = await import('../analysis/savings/index.js')
      summary.savings = await computeSavings(source.connection, scope.relation, {windowDays: summary.window.days, filterSql: scope.filterSql})
    },
    visuals: async (outDir, summary, teams) => {
      const {writeVisualArtifacts} = await import('../html/write.js')
      return writeVisualArtifacts(outDir, summary, {top, teams})
    },
  }
}
