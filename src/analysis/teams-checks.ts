import picomatch from 'picomatch'

import {InputFileError} from '../core/errors.js'
import type {TeamRule} from './teams.js'

/**
 * Checks of a teams file that protect the team figures: a CSV must say which column is which (without its
 * header, the first mapping was read as a header, or a header as a mapping), and a pattern that matches no
 * project of the data is almost always a typo, whose projects silently land in "unassigned".
 */

const CSV_COLUMNS = ['project', 'team', 'slack_channel'] as const

/**
 * How a teams pattern matches project names: the exact name it spells, and as a glob (picomatch, dotfiles too)
 * when it is one: "x[1]" lists the project called "x[1]", which its character class alone would not match.
 * Project names are not paths: a "/" in one is an ordinary character, which `*` and `?` match (to picomatch it
 * separates segments, so a catch-all "*" left a project named "data/etl" unassigned, without a warning).
 */
export function patternMatcher(pattern: string): {glob: boolean; test: (project: string) => boolean} {
  if (!picomatch.scan(pattern).isGlob) return {glob: false, test: (project) => project === pattern}
  const isMatch = picomatch(withoutSeparators(pattern), {dot: true})
  return {glob: true, test: (project) => project === pattern || isMatch(withoutSeparators(project))}
}

// U+2215 DIVISION SLASH: not a separator to picomatch, and put on both sides, so "data/*" still matches "data/etl".
const withoutSeparators = (text: string) => text.replaceAll('/', '\u2215')

/**
 * The columns of a teams CSV from its line 1: `project` and `team` (by name, any order, any case), and the
 * optional `slack_channel` (a team's own channel, which rows may leave out); anything else is refused with the
 * file and line 1.
 */
export function teamsCsvColumns(path: string, header: readonly string[] | undefined): {project: number; team: number; slackChannel: number; names: string[]} {
  const names = (header ?? []).map((cell) => cell.trim().toLowerCase())
  const known = names.every((name) => (CSV_COLUMNS as readonly string[]).includes(name)) && new Set(names).size === names.length
  if (!known || !names.includes('project') || !names.includes('team')) {
    const found = header === undefined ? 'nothing' : JSON.stringify(header.join(','))
    throw new InputFileError(
      'E_TEAMS_HEADER',
      `Teams file ${path}, line 1: expected the header "project,team" (either order, any case), found ${found}; add it as the first line.`,
    )
  }
  return {project: names.indexOf('project'), team: names.indexOf('team'), slackChannel: names.indexOf('slack_channel'), names}
}

/** The rules whose pattern matches none of `projects` (a typo, a renamed or retired project). Pure. */
export function unmatchedRules(rules: readonly TeamRule[], projects: readonly string[]): TeamRule[] {
  return rules.filter((rule) => {
    const {test} = patternMatcher(rule.pattern)
    return !projects.some((project) => test(project))
  })
}

/** One warning naming every pattern of the teams file that matches no project of the data, or undefined. */
export function unmatchedTeamsWarning(path: string, rules: readonly TeamRule[], projects: readonly string[], filtered: boolean): string | undefined {
  const unmatched = unmatchedRules(rules, projects)
  if (unmatched.length === 0) return undefined
  const list = unmatched.map((rule) => `${JSON.stringify(rule.pattern)} (team ${JSON.stringify(rule.team)}${rule.line ? `, line ${rule.line}` : ''})`).join(', ')
  return `Teams file ${path}: ${unmatched.length} pattern(s) match no project in the data${filtered ? ' (after --org/--project/--branch)' : ''}: ${list}; check the names (exact, case-sensitive, or globs such as "web-*").`
}

/**
 * The rules that match projects of the data but get none of them: every project they match goes to another team
 * (its exact name listed elsewhere, or an earlier glob), so the team the file writes for them never sees their
 * credits. A catch-all glob that gets some projects is not one. Pure; `teamOf` is createTeamMatcher's.
 */
export function shadowedRules(rules: readonly TeamRule[], projects: readonly string[], teamOf: (project: string) => string): {rule: TeamRule; takenBy: string[]}[] {
  return rules.flatMap((rule) => {
    const {test} = patternMatcher(rule.pattern)
    const matched = projects.filter((project) => test(project))
    if (matched.length === 0 || matched.some((project) => teamOf(project) === rule.team)) return []
    return [{rule, takenBy: [...new Set(matched.map(teamOf))].sort()}]
  })
}

/** One warning naming every pattern of the teams file whose projects all go to other teams, or undefined. */
export function shadowedTeamsWarning(path: string, rules: readonly TeamRule[], projects: readonly string[], teamOf: (project: string) => string): string | undefined {
  const shadowed = shadowedRules(rules, projects, teamOf)
  if (shadowed.length === 0) return undefined
  const list = shadowed
    .map(({rule, takenBy}) => `${JSON.stringify(rule.pattern)} (team ${JSON.stringify(rule.team)}${rule.line ? `, line ${rule.line}` : ''}; its projects go to ${takenBy.map((team) => JSON.stringify(team)).join(', ')})`)
    .join(', ')
  return `Teams file ${path}: ${shadowed.length} pattern(s) match projects that all go to other teams (an exact name wins, else the first glob written): ${list}; list the narrower pattern first, or drop the entry.`
}
