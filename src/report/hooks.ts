import {computeSavings} from '../analysis/savings/index.js'
import {writeVisualArtifacts} from '../html/write.js'
import type {ReportOptions} from './index.js'

/**
 * What every full report adds to the bare summary: savings (rightsizing, failing jobs) computed on the same
 * DuckDB view, then the charts, the PNG and report.html. Shared by `report` and `run`.
 */
export function fullReportHooks(top: number): Pick<ReportOptions, 'enrich' | 'visuals'> {
  return {
    enrich: async (source, summary, scope) => {
      summary.savings = await computeSavings(source.connection, source.view, {windowDays: summary.window.days, filterSql: scope.filterSql})
    },
    visuals: (outDir, summary) => writeVisualArtifacts(outDir, summary, {top}),
  }
}
