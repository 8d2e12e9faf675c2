/**
 * Per-team Summaries for a report with a teams file. The cube's small sets (totals, credit types, resource
 * classes, executors, statuses, days) carry no project, so a team's figures cannot be cut out of the org's
 * groups. One more cube is built instead, over the report's narrow copy of the export (`report_rows`, never the
 * export file again), with each row's team as a segment of every grouping set: one scan for all the teams
 * (the team depends on the project, so the project-level sets get no more groups), then each team's
 * breakdowns are small queries and buildSummary turns them into the same Summary type as the org's.
 */
import type {Cube, DayRange, Group, GroupingSetName} from './aggregate.js'
import {buildCube} from './aggregate.js'
import {branchKeyText, NONE_LABEL, type GroupsBySet, type SummaryInputs} from './build.js'
import {branchTop, keepBranchEntries} from './branch-top.js'
import {sqlIdent, sqlString} from './columns.js'
import {createTempTableOf} from './temp-table.js'
import type {UsageSource} from './engine.js'
import type {EnrichScope} from './index.js'
import type {Summary, Window} from './summary.js'
import {projectsOfTeam, teamsToReport, teamSummary} from './team-summary.js'
import {teamChannels, type TeamMatcher, type TeamRule} from './teams.js'

export interface TeamReport {
  team: string
  slackChannel: string | null
  summary: Summary
}

export interface TeamReportContext {
  source: UsageSource
  /** The narrow copy of the export (report_rows), already limited to --org/--project/--branch; or a history's rollup rows. */
  relation: string
  /**
   * A report made from a history alone: `relation` holds its rollup rows (measures summed per group), not yet
   * limited to --org/--project/--branch, so `filterSql` does that; the cube is a temp table (no work database).
   */
  rollup?: {filterSql: string | undefined}
  /** The cube's window (--since/--until), null for every row. */
  requested: DayRange | null
  previous: {
    range: DayRange
    window: Window
    /** A separate export for the previous window (--previous-input): its narrow copy, already filtered and de-duplicated. */
    source?: UsageSource
    relation?: string
  } | null
  rules: TeamRule[]
  matcher: TeamMatcher
  /** PROJECT_NAME values of the current and previous window. */
  projects: (string | null)[]
  /**
   * PROJECT_NAME values of every row of `relation` (also outside the windows): each row gets its team, so that a
   * team's input.rows counts its rows before the window as the org's does.
   */
  inputProjects: (string | null)[]
  /** What the org's Summary was built from, but the groups. */
  base: Omit<SummaryInputs, 'current' | 'previous' | 'teams' | 'inputRows'>
  orgSavings: Summary['savings']
  /** The org's budgets (from a history), each team getting those about it. */
  orgBudgets?: Summary['budgets']
  /** The org's anomalies (from a history), each team getting those about it. */
  orgAnomalies?: Summary['anomalies']
  /** The grouping sets the org's Summary read, for the current and the previous window. */
  sets: {current: GroupingSetName[]; previous: GroupingSetName[]}
  /** SQL selecting the report window's rows of `relation` (undefined: all of them), as the org's enrich had it. */
  windowSql?: string
  /** Fills a team's Summary with what the org's enrich added (health), over the team's rows only. */
  enrichTeam?: (source: UsageSource, summary: Summary, scope: EnrichScope) => Promise<void>
}

/** Every set's groups of `range`, split by team: one query per set for all the teams. */
async function groupsByTeam(cube: Cube, range: DayRange | null, sets: GroupingSetName[]): Promise<(team: string) => GroupsBySet> {
  const bySet = new Map<GroupingSetName, Map<string | null, Group[]>>()
  for (const set of sets) bySet.set(set, await cube.breakdownBySegment(set, range))
  return (team) => Object.fromEntries(sets.map((set) => [set, bySet.get(set)?.get(team) ?? []]))
}

const TEAM_OF_PROJECT = 'team_of_project'
const TEAM_COLUMN = 'TEAM_SEGMENT'

/**
 * `relation` with each row's team in TEAM_SEGMENT, as a temp view on the source's connection. The team of each
 * project comes from the teams file's matcher (picomatch globs, exact names first), so it is computed here and
 * handed to DuckDB as a small table rather than translated into SQL patterns.
 */
async function viewWithTeams(source: UsageSource, relation: string, view: string, teamOf: [string | null, string][]): Promise<string> {
  const connection = source.connection
  await createTempTableOf(connection, TEAM_OF_PROJECT, 'project VARCHAR, team VARCHAR', teamOf)
  await connection.run(
    `CREATE OR REPLACE TEMP VIEW ${sqlIdent(view)} AS SELECT r.*, t.team AS ${TEAM_COLUMN} FROM ${sqlIdent(relation)} r LEFT JOIN ${TEAM_OF_PROJECT} t ON r.PROJECT_NAME IS NOT DISTINCT FROM t.project`,
  )
  return view
}

export async function buildTeamReports(context: TeamReportContext): Promise<TeamReport[]> {
  const channels = teamChannels(context.rules)
  const projects = [...new Set(context.projects)]
  const teams = teamsToReport(context.rules, projects.map((project) => context.matcher(project ?? NONE_LABEL)))
  const teamOf = [...new Set([...projects, ...context.inputProjects])].map((project): [string | null, string] => [project, context.matcher(project ?? NONE_LABEL)])

  const relation = await viewWithTeams(context.source, context.relation, 'report_rows_by_team', teamOf)
  const rollup = context.rollup
  const cube = rollup
    ? await buildCube(context.source, rollup.filterSql, context.requested, {from: relation, preAggregated: true, segmentSql: TEAM_COLUMN})
    : await buildCube(context.source, undefined, context.requested, {from: relation, database: 'work', segmentSql: TEAM_COLUMN})
  let previousCube: Cube | undefined
  // Each team's branch buckets from its candidates for the top (branch-top.ts): no team writes a branch table.
  const branches = await keepBranchEntries(cube, true)
  try {
    const previous = context.previous
    if (previous?.source && previous.relation) {
      const previousRelation = await viewWithTeams(previous.source, previous.relation, 'usage_by_team', teamOf)
      previousCube = await buildCube(previous.source, undefined, previous.range, {from: previousRelation, database: 'work', segmentSql: TEAM_COLUMN})
    }
    const currentOf = await groupsByTeam(cube, context.requested, context.sets.current)
    const previousOf = previous ? await groupsByTeam(previousCube ?? cube, previous.range, context.sets.previous) : null
    const reports: TeamReport[] = []
    for (const team of teams) {
      const previousGroups = previous && previousOf ? {window: previous.window, groups: previousOf(team)} : null
      const current = currentOf(team)
      const teamBranches = branches.ofSegment(team)
      const branchTopOfTeam = await branchTop(context.source.connection, teamBranches, context.base.top, branchKeyText({current, previous: previousGroups}))
      const inputs = {...context.base, inputRows: cube.segmentRows.get(team) ?? 0, current, previous: previousGroups, branchTop: branchTopOfTeam}
      const {summary, tables} = teamSummary(inputs, team, projectsOfTeam(team, projects, context.matcher), {savings: context.orgSavings, budgets: context.orgBudgets, anomalies: context.orgAnomalies})
      if (context.enrichTeam) {
        const teamSql = [`${TEAM_COLUMN} = ${sqlString(team)}`, ...(context.windowSql ? [`(${context.windowSql})`] : [])].join(' AND ')
        await context.enrichTeam(context.source, summary, {relation, filterSql: teamSql, breakdowns: tables, branchEntries: teamBranches})
      }
      reports.push({team, slackChannel: channels.get(team) ?? null, summary})
    }
    return reports
  } finally {
    await branches.drop()
    await previousCube?.drop()
    await cube.drop()
  }
}
