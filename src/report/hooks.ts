import type {FlakyTestSession} from '../api/insights.js'
import type {FlakyTests} from '../analysis/summary.js'
import type {DefaultBranchRules} from '../analysis/health/branches.js'
import {FLAKY_ROW_COLUMNS, HEALTH_ROW_COLUMNS} from '../analysis/health/columns.js'
import {phase} from '../analysis/profile.js'
import type {ReportOptions} from './index.js'

export interface HealthHookOptions {
  defaultBranches?: DefaultBranchRules
  /** Set with --flaky-tests (and --demo): where CircleCI Insights is read. */
  flakyTests?: FlakyTestSession | null
  /** Warnings for stderr: a project Insights has no data for, a --default-branch rule that names no project. */
  warn?: (line: string) => void
  /** Where CCI_USAGE_HEALTH is read (default process.env). */
  env?: NodeJS.ProcessEnv
}

/**
 * CCI_USAGE_HEALTH=0 turns the health section off: no extra columns in the scan, no health queries, summary
 * health and waste null. It exists for the benchmark's baseline (the section may cost at most 15 %).
 */
export function healthEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return !['0', 'off', 'false'].includes((env.CCI_USAGE_HEALTH ?? '').trim().toLowerCase())
}

/**
 * What every full report adds to the bare summary: savings (rightsizing, failing jobs) and the health section
 * computed on the report's narrow copy of the export (one scan of the big file in all), then the charts, the
 * PNG and report.html. Shared by `report` and `run`. Both are imported when called: the chart/PNG/HTML stack
 * (resvg, fonts, d3) is only needed once the summary exists, so loading it lazily keeps it out of the process
 * while DuckDB is busiest.
 */
export function fullReportHooks(top: number, health: HealthHookOptions = {}): Pick<ReportOptions, 'enrich' | 'enrichTeam' | 'visuals' | 'extraRowColumns'> {
  const withHealth = healthEnabled(health.env)
  const flakyTests = withHealth ? (health.flakyTests ?? null) : null
  let orgFlakyTests: FlakyTests | null = null
  return {
    extraRowColumns: withHealth ? [...HEALTH_ROW_COLUMNS, ...(flakyTests ? FLAKY_ROW_COLUMNS : [])] : [],
    enrich: async (source, summary, scope) => {
      const {computeSavings} = await import('../analysis/savings/index.js')
      summary.savings = await computeSavings(source.connection, scope.relation, {windowDays: summary.window.days, window: summary.window, filterSql: scope.filterSql})
      phase('savings')
      summary.health = null
      summary.waste = null
      if (!withHealth) return
      const {computeHealth} = await import('../analysis/health/index.js')
      const computed = await computeHealth(source.connection, scope.relation, {
        filterSql: scope.filterSql,
        top,
        defaultBranches: health.defaultBranches,
        flakyTests,
        warn: health.warn,
        branchEntries: scope.branchEntries,
      })
      summary.health = computed.health
      summary.waste = computed.waste
      orgFlakyTests = computed.health.flakyTests
    },
    // A team's page and message show its own health: the same queries over its rows. Insights is not asked
    // again: the org's flaky tests are narrowed to the team's projects.
    enrichTeam: async (source, summary, scope) => {
      summary.health = null
      summary.waste = null
      if (!withHealth) return
      const {computeHealth, flakyTestsOfProjects} = await import('../analysis/health/index.js')
      const computed = await computeHealth(source.connection, scope.relation, {
        filterSql: scope.filterSql,
        top,
        defaultBranches: health.defaultBranches,
        flakyTests: null,
        branchEntries: scope.branchEntries,
      })
      const projects = new Set((scope.breakdowns.project ?? []).map((row) => row.dims.project))
      summary.health = {...computed.health, flakyTests: orgFlakyTests ? flakyTestsOfProjects(orgFlakyTests, projects) : null}
      summary.waste = computed.waste
    },
    visuals: async (outDir, summary, teams) => {
      const {writeVisualArtifacts} = await import('../html/write.js')
      return writeVisualArtifacts(outDir, summary, {top, teams})
    },
  }
}
