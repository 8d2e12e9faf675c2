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
import {destinationOf, findPosted, postedWindow, recordPosted, type PostedRecord} from './posted.js'
import type {DateRange} from '../export/windows.js'

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

/** `run --history`: post each message once per window and destination (posted.ts). */
export interface PostOnce {
  record: PostedRecord
  range: DateRange
  organizations: string[]
  /** --notify-again: post even what the record holds (and record it again). */
  again: boolean
  clock: () => Date
}

const NEEDS_TOKEN = 'a team channel needs a bot token (SLACK_ACCESS_TOKEN / --slack-token), and an incoming webhook posts to its own channel only'

export async function deliverSlack(
  summary: Summary,
  teams: TeamMessage[],
  options: NotifyOptions,
  log: (line: string) => void,
  once?: PostOnce,
): Promise<DeliveryResult> {
  const organization = await notifyOnce(summary, {...options, strict: false}, log, once)
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
    const result = await notifyOnce(
      team.summary,
      {...options, channel: team.channel, webhookUrl: undefined, chartPng: team.chartPng, team: team.team, strict: false},
      log,
      once,
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
 * One message, unless the record says it went out already; recorded once posted. A dry run neither skips (its
 * preview is of the message) nor records. Failing to write the record is a warning: the message stands.
 */
async function notifyOnce(summary: Summary, options: NotifyOptions, log: (line: string) => void, once: PostOnce | undefined): Promise<NotifyResult> {
  const destination = destinationOf(options)
  if (!once || options.dryRun || destination === null) return notifySlack(summary, options, log)
  const team = options.team ?? null
  const what = team === null ? 'the summary' : `the summary of team ${JSON.stringify(team)}`
  const earlier = once.again ? undefined : findPosted(once.record, once.range, destination, team)
  if (earlier && shouldNotify(summary, options.policy).post) {
    const reason = `not posting: ${what} of this window was already posted to ${destination} at ${earlier.postedAt} (a rerun of the same window); add --notify-again (orb: notify_again: true) to post it again`
    log(`Slack: ${reason}`)
    return {posted: false, reason, dryRun: false, uploaded: false, warnings: [], channel: earlier.channel, skipped: {reason: 'already-posted', postedAt: earlier.postedAt, ...(earlier.ts ? {ts: earlier.ts} : {})}}
  }
  const result = await notifySlack(summary, options, log)
  if (!result.posted) return result
  const now = once.clock()
  const entry = {
    window: postedWindow(once.range),
    organizations: once.organizations,
    destination,
    team,
    postedAt: now.toISOString(),
    ...(result.channel ? {channel: result.channel} : {}),
    ...(result.ts ? {ts: result.ts} : {}),
  }
  try {
    await recordPosted(once.record, entry, now)
  } catch (error) {
    return {...result, warnings: [...result.warnings, `${what} was posted but could not be recorded (${(error as Error).message}): a rerun of this window posts it again`]}
  }
  return result
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
