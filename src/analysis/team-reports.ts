/**
 * Per-team Summaries for a report with a teams file. The cube's small sets (totals, credit types, resource
 * classes, executors, statuses, days) carry no project, so a team's figures cannot be cut out of the org's
 * groups: each team gets its own cube over the report's narrow copy of the export (`report_rows`, never the
 * export file again), filtered to its projects, and buildSummary turns its groups into the same Summary type.
 */
import {buildCube, type Cube, type DayRange} from './aggregate.js'
import {NONE_LABEL, type GroupsBySet, type SummaryInputs} from './build.js'
import type {UsageSource} from './engine.js'
import type {Summary, Window} from './summary.js'
import {projectFilterSql, projectsOfTeam, teamsToReport, teamSummary} from './team-summary.js'
import {teamChannels, type TeamMatcher, type TeamRule} from './teams.js'

export interface TeamReport {
  team: string
  slackChannel: string | null
  summary: Summary
}

export interface TeamReportContext {
  source: UsageSource
  /** The narrow copy of the export (report_rows), already limited to --org/--project/--branch. */
  relation: string
  /** The cube's window (--since/--until), null for every row. */
  requested: DayRange | null
  previous: {
    range: DayRange
    window: Window
    /** A separate export for the previous window (--previous-input), with the report's filter to apply to it. */
    source?: UsageSource
    filterSql?: string
  } | null
  rules: TeamRule[]
  matcher: TeamMatcher
  /** PROJECT_NAME values of the current and previous window. */
  projects: (string | null)[]
  /** What the org's Summary was built from, but the groups. */
  base: Omit<SummaryInputs, 'current' | 'previous' | 'teams' | 'inputRows'>
  orgSavings: Summary['savings']
  groupsOf(cube: Cube, range: DayRange | null, which: 'current' | 'previous'): Promise<GroupsBySet>
}

export async function buildTeamReports(context: TeamReportContext): Promise<TeamReport[]> {
  const channels = teamChannels(context.rules)
  const teams = teamsToReport(context.rules, context.projects.map((project) => context.matcher(project ?? NONE_LABEL)))
  const reports: TeamReport[] = []
  for (const team of teams) {
    const projects = projectsOfTeam(team, context.projects, context.matcher)
    const teamSql = projectFilterSql(projects)
    const cube = await buildCube(context.source, teamSql, context.requested, {from: context.relation, database: 'work'})
    let previousCube: Cube | undefined
    try {
      const current = await context.groupsOf(cube, context.requested, 'current')
      let previous: SummaryInputs['previous'] = null
      if (context.previous) {
        const {range, window, source, filterSql} = context.previous
        if (source) previousCube = await buildCube(source, filterSql ? `(${filterSql}) AND ${teamSql}` : teamSql, range)
        previous = {window, groups: await context.groupsOf(previousCube ?? cube, range, 'previous')}
      }
      const summary = teamSummary({...context.base, inputRows: cube.rows, current, previous}, team, projects, context.orgSavings)
      reports.push({team, slackChannel: channels.get(team) ?? null, summary})
    } finally {
      await previousCube?.drop()
      await cube.drop()
    }
  }
  return reports
}
