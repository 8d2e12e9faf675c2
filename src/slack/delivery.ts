/**
 * Every Slack message of a run: the organization's summary to the default channel, then each team's own
 * summary to the team's channel (teams file `slack_channel`). The thresholds are checked per message, so a
 * quiet team gets nothing while a team whose spend jumped is told. One channel failing never stops the
 * others: failures are warnings naming the channel, and only --strict-notify turns them into exit 6, after
 * every message was tried.
 */
import {join} from 'node:path'

import type {Summary, TeamEntry} from '../analysis/summary.js'
import {NotifyError} from '../core/errors.js'
import {notifySlack, shouldNotify, type NotifyOptions, type NotifyResult} from './index.js'
import {readSummaryFile} from './read-summary.js'

/**
 * One team's message: where it goes, what it says (the team's Summary) and its chart. A team's budget, once
 * budgets exist, belongs in its Summary, so that the message, the page and the JSON all show it alike.
 */
export interface TeamMessage {
  team: string
  channel: string
  summary: Summary
  chartPng?: string
}

export interface TeamNotifyResult extends NotifyResult {
  team: string
}

export interface DeliveryResult {
  organization: NotifyResult
  teams: TeamNotifyResult[]
  /** Problems that did not stop the run (every failure among them); the caller prints them. */
  warnings: string[]
}

/** The team messages of a report: every team with a channel, with its chart when one was rendered. */
export function teamMessages(outDir: string, teams: {entry: TeamEntry; summary: Summary}[]): TeamMessage[] {
  return teams
    .filter(({entry}) => entry.slackChannel !== null)
    .map(({entry, summary}) => ({
      team: entry.team,
      channel: entry.slackChannel as string,
      summary,
      chartPng: entry.chart === null ? undefined : join(outDir, ...entry.chart.split('/')),
    }))
}

// What `report` writes (report/team-files.ts); anything else in an edited summary.json is not read.
const TEAM_FILE = /^teams\/[a-z0-9-]+\.(json|png)$/

/** For `notify`: the team messages of the report in `outDir`, read from the files summary.json lists. */
export async function teamMessagesFromFiles(outDir: string, summary: Summary): Promise<TeamMessage[]> {
  const teams: {entry: TeamEntry; summary: Summary}[] = []
  for (const entry of summary.teams ?? []) {
    if (entry.slackChannel === null) continue
    if (!TEAM_FILE.test(entry.summary) || (entry.chart !== null && !TEAM_FILE.test(entry.chart))) {
      throw new NotifyError('E_SUMMARY_TEAMS', `summary.json lists team files outside teams/ (${JSON.stringify(entry.summary)}); run \`cci-usage report\` again`)
    }
    teams.push({entry, summary: await readSummaryFile(join(outDir, ...entry.summary.split('/')))})
  }
  return teamMessages(outDir, teams)
}

const NEEDS_TOKEN = 'a team channel needs a bot token (SLACK_ACCESS_TOKEN / --slack-token), and an incoming webhook posts to its own channel only'

export async function deliverSlack(summary: Summary, teams: TeamMessage[], options: NotifyOptions, log: (line: string) => void): Promise<DeliveryResult> {
  const organization = await notifySlack(summary, {...options, strict: false}, log)
  const warnings = [...organization.warnings]
  const failures: {code: string; message: string}[] = organization.failure ? [organization.failure] : []
  const results: TeamNotifyResult[] = []

  // A webhook posts to the one channel it was made for: team channels need the Web API. Only the messages the
  // thresholds (or --notify never) would send are missed; a team left quiet on purpose is no failure. A dry run
  // says the same of them (a preview that promised them would mislead), and shows their payloads all the same.
  const unreachable = options.token ? [] : teams.filter((team) => shouldNotify(team.summary, options.policy).post)
  if (unreachable.length > 0) {
    const message = `${unreachable.length} team message(s) ${options.dryRun ? 'would not be sent' : 'not sent'} (channels ${unreachable.map((team) => team.channel).join(', ')}): ${NEEDS_TOKEN}`
    warnings.push(message)
    if (!options.dryRun) failures.push({code: 'E_SLACK_TEAMS_NEED_TOKEN', message})
  }
  for (const team of teams.filter((team) => options.dryRun || !unreachable.includes(team))) {
    const result = await notifySlack(
      team.summary,
      {...options, channel: team.channel, webhookUrl: undefined, chartPng: team.chartPng, team: team.team, strict: false},
      log,
    )
    const blocked = unreachable.includes(team) ? {reason: `would not be sent: ${NEEDS_TOKEN}`} : {}
    results.push({...result, ...blocked, team: team.team})
    for (const warning of result.warnings) {
      warnings.push(result.failure && warning === result.failure.message ? `team ${JSON.stringify(team.team)}, channel ${team.channel}: ${warning}` : warning)
    }
    if (result.failure) failures.push({code: result.failure.code, message: `team ${JSON.stringify(team.team)}, channel ${team.channel}: ${result.failure.message}`})
  }

  if (options.strict && failures.length > 0) {
    // Everything was tried first; what did not fail is still reported on the way out.
    for (const warning of warnings) if (!failures.some((failure) => failure.message === warning)) log(`Warning: ${warning}`)
    throw new NotifyError(failures[0].code, failures.map((failure) => failure.message).join('; '))
  }
  return {organization, teams: results, warnings}
}

/**
 * What --dry-run prints: the organization's payload alone as before when there are no team messages, else every
 * payload labelled with its channel, who it is for and whether it would be posted.
 */
export function dryRunOutput(result: DeliveryResult): object | undefined {
  if (result.teams.length === 0) return result.organization.payload
  return [
    {channel: result.organization.channel ?? null, for: 'organization', decision: result.organization.reason, payload: result.organization.payload},
    ...result.teams.map((team) => ({channel: team.channel ?? null, for: `team ${team.team}`, decision: team.reason, payload: team.payload})),
  ]
}
