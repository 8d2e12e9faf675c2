/**
 * A team's Summary is the organization's report filtered to the team's projects: the same type, built by the
 * same buildSummary from the same cube code, so every renderer shows a team exactly as it shows the org.
 * Pure: the I/O (one cube with each row's team as a segment, over the report's narrow copy) is in team-reports.ts.
 */
import {buildSummary, NONE_LABEL, qualifiedProjectKey, type BuiltSummary, type SummaryInputs} from './build.js'
import {buildTopOpportunities} from './savings/opportunities.js'
import {budgetMatcher} from '../history/budgets.js'
import type {Savings, Summary} from './summary.js'
import {UNASSIGNED_TEAM, type TeamMatcher, type TeamRule} from './teams.js'

/** The teams that get a report: every team of the file in the order written, then "unassigned" when it has usage. */
export function teamsToReport(rules: TeamRule[], teamOfEachProject: string[]): string[] {
  const named = [...new Set(rules.map((rule) => rule.team))]
  const unassigned = !named.includes(UNASSIGNED_TEAM) && teamOfEachProject.includes(UNASSIGNED_TEAM) ? [UNASSIGNED_TEAM] : []
  return [...named, ...unassigned]
}

/** PROJECT_NAME values (null: no project) seen in the data that belong to `team`. */
export function projectsOfTeam(team: string, projects: (string | null)[], matcher: TeamMatcher): (string | null)[] {
  return [...new Set(projects)].filter((project) => matcher(project ?? NONE_LABEL) === team)
}

/**
 * The team's share of the savings: only findings about its own projects, and its top opportunities ranked
 * among those (the org's top three may all belong to other teams).
 */
export function teamSavings(savings: Savings | null, isTeamProject: (project: string) => boolean): Savings | null {
  if (!savings) return null
  const rightsizing = savings.rightsizing.filter((candidate) => isTeamProject(candidate.project))
  const failingJobs = savings.failingJobs.filter((job) => isTeamProject(job.project))
  return {
    ...savings,
    rightsizing,
    underProvisioned: savings.underProvisioned.filter((candidate) => isTeamProject(candidate.project)),
    failingJobs,
    top: buildTopOpportunities(rightsizing, savings.projectedFrom),
  }
}

/**
 * The budgets that concern a team: team budgets whose name (exact or glob) is the team, and project budgets
 * naming one of its projects, by its name or, as budgets judge a name two organizations share, by "org/project"
 * (`teamProjectKeys`). A budget stays as the org's report judged it (a glob budget is the sum of all it
 * matches); its name is the pattern from the budgets file, never another team's project name.
 */
export function teamBudgets(
  budgets: Summary['budgets'],
  team: string,
  teamProjects: (string | null)[],
  teamProjectKeys: string[] = [],
): NonNullable<Summary['budgets']> | null {
  if (!budgets) return null
  return budgets.filter((budget) => {
    const matches = budgetMatcher(budget.name)
    if (budget.scope === 'team') return matches(team)
    if (budget.scope === 'project') return teamProjects.some((project) => project !== null && matches(project)) || teamProjectKeys.some(matches)
    return false
  })
}

/**
 * The anomalies that concern a team: its own team-level spike and those of its projects. Without them a team
 * message never met --notify-if-anomaly (and said to give --history when one was given), even when the team's
 * own spend had spiked. Null stays null: no history, no detection.
 */
export function teamAnomalies(anomalies: Summary['anomalies'], team: string, teamProjects: (string | null)[]): NonNullable<Summary['anomalies']> | null {
  if (!anomalies) return null
  const own = new Set(teamProjects.map((project) => project ?? NONE_LABEL))
  // A project name used in two organizations is named "org/project" (build.ts projectKeys); organization and
  // repository names cannot hold a slash, so the part after the first one is the project.
  const projectOf = (name: string) => (own.has(name) ? name : name.slice(name.indexOf('/') + 1))
  return anomalies.filter((anomaly) => (anomaly.scope === 'team' ? anomaly.name === team : anomaly.scope === 'project' && own.has(projectOf(anomaly.name))))
}

/** The team's Summary from the groups of its rows, with the org's savings, budgets and anomalies narrowed to its own. */
export function teamSummary(
  inputs: Omit<SummaryInputs, 'teams'>,
  team: string,
  teamProjects: (string | null)[],
  org: {savings: Savings | null; budgets?: Summary['budgets']; anomalies?: Summary['anomalies']},
): BuiltSummary {
  const built = buildSummary({...inputs, filters: {...inputs.filters, team}, teams: null})
  const own = new Set(teamProjects)
  built.summary.savings = teamSavings(org.savings, (project) => own.has(project))
  const groups = [...(inputs.current.project ?? []), ...(inputs.previous?.groups.project ?? [])]
  const projectKeys = [...new Set(groups.map((group) => qualifiedProjectKey(group.dims.org, group.dims.project)))]
  built.summary.budgets = teamBudgets(org.budgets ?? null, team, teamProjects, projectKeys)
  built.summary.anomalies = teamAnomalies(org.anomalies ?? null, team, teamProjects)
  return built
}
