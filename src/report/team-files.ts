/**
 * Where each team's report goes: teams/<stem>.json (its Summary), .html (its page) and .png (its chart for
 * Slack). Team names come from a file anyone in the company may edit, so they never become paths as they are:
 * the stem keeps only a-z, 0-9 and dashes (accents folded), is capped in length, avoids names Windows
 * reserves, and gets a short hash of the real name when folding lost anything, so two teams never share a file.
 */
import {createHash} from 'node:crypto'
import {join} from 'node:path'

import {writeJsonAtomic} from '../core/atomic.js'
import type {TeamReport} from '../analysis/team-reports.js'
import type {TeamEntry} from '../analysis/summary.js'

export const TEAMS_DIR = 'teams'

const MAX_STEM = 48
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)$/

function hashOf(team: string): string {
  return createHash('sha256').update(team, 'utf8').digest('hex').slice(0, 8)
}

/** A file-name stem for one team: readable when the name allows it, always safe and non-empty. */
export function teamFileStem(team: string): string {
  const folded = team
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_STEM)
    .replace(/-+$/, '')
  if (folded === '') return `team-${hashOf(team)}`
  // A name that folds onto itself keeps its plain stem; anything lost (case, spaces, symbols) is made up for by
  // the hash, so "Platform" and "platform" or "a/b" and "a b" get different files.
  if (folded === team && !WINDOWS_RESERVED.test(folded)) return folded
  return `${folded}-${hashOf(team)}`
}

export interface TeamPaths {
  summary: string
  page: string
  chart: string
}

/**
 * The relative paths of each team's files, always with `/` (they are links in HTML and names in summary.json).
 * Stems are unique among the teams given (a name crafted to look like another's hashed stem gets a suffix).
 */
export function teamPathsFor(teams: string[]): Map<string, TeamPaths> {
  const used = new Set<string>()
  const paths = new Map<string, TeamPaths>()
  for (const team of teams) {
    const base = teamFileStem(team)
    let stem = base
    for (let suffix = 2; used.has(stem); suffix++) stem = `${base}-${suffix}`
    used.add(stem)
    paths.set(team, {summary: `${TEAMS_DIR}/${stem}.json`, page: `${TEAMS_DIR}/${stem}.html`, chart: `${TEAMS_DIR}/${stem}.png`})
  }
  return paths
}

/**
 * Writes teams/<stem>.json for every team and returns the entries for summary.teams (page and chart stay null
 * until the visuals render them) with the files written.
 */
export async function writeTeamSummaries(outDir: string, reports: TeamReport[]): Promise<{entries: TeamEntry[]; files: string[]}> {
  const entries: TeamEntry[] = []
  const pathsOf = teamPathsFor(reports.map((report) => report.team))
  for (const report of reports) {
    const paths = pathsOf.get(report.team) as TeamPaths
    await writeJsonAtomic(join(outDir, ...paths.summary.split('/')), report.summary)
    entries.push({
      team: report.team,
      slackChannel: report.slackChannel,
      credits: report.summary.totals.credits.total,
      dollars: report.summary.totals.dollars,
      summary: paths.summary,
      page: null,
      chart: null,
    })
  }
  return {entries, files: entries.map((entry) => entry.summary)}
}
