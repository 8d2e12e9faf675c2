import {readFile} from 'node:fs/promises'
import {extname} from 'node:path'

import {parseString} from 'fast-csv'
import {isMap, isSeq, type Node as YamlNode} from 'yaml'

import {readYamlFile} from '../core/yaml-file.js'
import {InputFileError} from '../core/errors.js'
import {unreadableFileError} from '../core/read-errors.js'
import {CHANNEL_HINT, slackChannelOf} from '../core/slack-channel.js'
import {OTHER_KEY} from './summary.js'
import {patternMatcher, teamsCsvColumns} from './teams-checks.js'

export const UNASSIGNED_TEAM = 'unassigned'

/** One project pattern of a team, with where it was written (for error messages). */
export interface TeamRule {
  team: string
  pattern: string
  line: number | null
  /** The team's own Slack channel (list form `slack_channel`, or the CSV's third column), when given. */
  slackChannel?: string
}

/** Maps a project name to its team: exact names win over globs; among globs the first written wins. */
export type TeamMatcher = (project: string) => string

export function createTeamMatcher(rules: TeamRule[]): TeamMatcher {
  const exact = new Map<string, string>()
  const globs: {team: string; test: (value: string) => boolean}[] = []
  for (const rule of rules) {
    const matcher = patternMatcher(rule.pattern)
    if (matcher.glob) globs.push({team: rule.team, test: matcher.test})
    // A pattern is also the exact name it spells: a project called "*bold*" or "x[1]" listed as written is listed
    // by its exact name, which wins over a glob written before it (and "x[1]" as a glob would not even match it).
    if (!exact.has(rule.pattern)) exact.set(rule.pattern, rule.team)
  }
  return (project) => exact.get(project) ?? globs.find((glob) => glob.test(project))?.team ?? UNASSIGNED_TEAM
}

export async function loadTeamRules(path: string): Promise<TeamRule[]> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw unreadableFileError('E_TEAMS_MISSING', 'Teams file', path, '--teams', error)
  })
  const extension = extname(path).toLowerCase()
  const rules = extension === '.csv' ? await parseTeamsCsv(path, text) : parseTeamsYaml(path, text)
  if (rules.length === 0) {
    throw new InputFileError('E_TEAMS_EMPTY', `Teams file ${path} maps no project to a team: add e.g. "teams: {platform: [api, web-*]}".`)
  }
  // "(other)" keys the roll-up past --top (breakdowns.team, trend.split, the week chart): a team of that name would
  // be one more bucket with the same key, told from the roll-up by nothing.
  const reserved = rules.find((rule) => rule.team === OTHER_KEY)
  if (reserved) {
    throw new InputFileError(
      'E_TEAMS_INVALID',
      `Teams file ${path}${reserved.line ? `, line ${reserved.line}` : ''}: team "${OTHER_KEY}" has the name of the roll-up of everything past --top; rename it.`,
    )
  }
  teamChannels(rules, path)
  return rules
}

const ENTRY_KEYS: readonly string[] = ['team', 'projects', 'slack_channel']

const TEAMS_SHAPE = 'expected "teams: {<team>: [<project or glob>, ...]}" or a list of {team, projects}'

/** YAML and JSON (a JSON document is YAML), with the line of every problem. */
export function parseTeamsYaml(path: string, text: string): TeamRule[] {
  const {root: documentRoot, lineOf, fail} = readYamlFile('Teams file', 'E_TEAMS_INVALID', path, text)
  const rules: TeamRule[] = []
  const addProjects = (team: string, projects: unknown, owner: YamlNode | null | undefined) => {
    if (!isSeq(projects)) fail((projects as YamlNode) ?? owner, `team "${team}" needs a list of project names or globs`)
    for (const item of (projects as {items: unknown[]}).items) {
      const node = item as YamlNode & {value?: unknown}
      const value = node && 'value' in node ? node.value : undefined
      if (typeof value !== 'string' && typeof value !== 'number') fail(node, `team "${team}" lists something that is not a project name`)
      const pattern = String(value).trim()
      if (pattern === '') fail(node, `team "${team}" lists an empty project name`)
      rules.push({team, pattern, line: lineOf(node)})
    }
  }
  let root = documentRoot
  const keyOf = (pair: {key: unknown}) => String((pair.key as {value?: unknown})?.value)
  if (isMap(root) && root.items.length === 1 && keyOf(root.items[0]) === 'teams') {
    root = root.items[0].value as YamlNode | null
  } else if (isMap(root)) {
    // "teams:" holding the teams (a map, or the list of {team, projects}) beside other keys: those keys used to be
    // read as teams ('team "teams" needs a list'), or a misspelt one was left to look like a team.
    const wrapper = root.items.find((pair) => keyOf(pair) === 'teams')
    const held = wrapper?.value as YamlNode | null | undefined
    if (wrapper && (isMap(held) || (isSeq(held) && held.items.some((item) => isMap(item))))) {
      const other = root.items.find((pair) => pair !== wrapper) as {key: YamlNode}
      fail(other.key, `unknown key "${keyOf(other)}" beside "teams": a teams file holds its teams under "teams:" and nothing else; remove the key`)
    }
  }
  if (isMap(root)) {
    for (const pair of root.items) {
      const key = pair.key as YamlNode & {value?: unknown}
      const team = String(key?.value ?? '').trim()
      if (team === '') fail(key, 'a team has no name')
      addProjects(team, pair.value, key)
    }
  } else if (isSeq(root)) {
    for (const entry of root.items) {
      const node = entry as YamlNode
      if (!isMap(node)) fail(node, `each list entry must be {team, projects}; ${TEAMS_SHAPE}`)
      // A misspelt slack_channel would leave the team without its message, and nothing would say so.
      for (const pair of (node as unknown as {items: Array<{key: YamlNode & {value?: unknown}}>}).items) {
        const key = String(pair.key?.value)
        if (!ENTRY_KEYS.includes(key)) fail(pair.key, `unknown field "${key}" (a list entry has ${ENTRY_KEYS.join(', ')})`)
      }
      const map = node as unknown as {get(key: string, keepScalar: true): YamlNode & {value?: unknown}}
      const teamNode = map.get('team', true)
      const team = String(teamNode?.value ?? '').trim()
      if (team === '') fail(node, 'a list entry has no "team"')
      const first = rules.length
      addProjects(team, map.get('projects', true), node)
      const channelNode = map.get('slack_channel', true)
      // An unquoted `slack_channel: #dev` is a YAML comment, so the value is null and the team would get no
      // message without a word; a comment that is itself a channel name (no space after the #) is that mistake.
      const commented = channelNode?.value === null ? channelNode.comment : null
      if (typeof commented === 'string' && !/^\s/.test(commented) && slackChannelOf(`#${commented}`) !== null) {
        fail(channelNode, `team "${team}" has slack_channel: #${commented}, which YAML reads as a comment, not a channel: quote it (slack_channel: "#${commented}") or give the channel ID`)
      }
      // `slack_channel:` left empty means no channel of its own, as leaving the key out does.
      if (channelNode && channelNode.value !== null && channelNode.value !== '') {
        const channel = slackChannelOf(channelNode.value)
        if (channel === null) fail(channelNode, `team "${team}" has a slack_channel that is not a channel ID or name (${CHANNEL_HINT})`)
        for (const rule of rules.slice(first)) rule.slackChannel = channel as string
      }
    }
  } else {
    fail(root, TEAMS_SHAPE)
  }
  return rules
}

/** CSV with the header `project,team` and optionally `slack_channel` (any order, any case: teams-checks.ts), line numbers as in the file. */
export async function parseTeamsCsv(path: string, text: string): Promise<TeamRule[]> {
  const rows: string[][] = []
  await new Promise<void>((resolve, reject) => {
    parseString(text.replace(/^\uFEFF/, ''), {ignoreEmpty: false, trim: true})
      .on('error', reject)
      .on('data', (row: string[]) => rows.push(row))
      .on('end', () => resolve())
  }).catch((error: Error) => {
    throw new InputFileError('E_TEAMS_INVALID', `Teams file ${path}: not valid CSV (${error.message}).`)
  })
  const columns = teamsCsvColumns(path, rows[0])
  const rules: TeamRule[] = []
  for (const [index, row] of rows.entries()) {
    const line = index + 1
    if (index === 0 || row.every((cell) => cell === '')) continue
    const project = row[columns.project] ?? ''
    const team = row[columns.team] ?? ''
    if (row.length > columns.names.length || project === '' || team === '') {
      throw new InputFileError(
        'E_TEAMS_INVALID',
        `Teams file ${path}, line ${line}: expected "${columns.names.join(',')}" as on line 1 (project and team not empty), found ${row.length} field(s).`,
      )
    }
    const rule: TeamRule = {team, pattern: project, line}
    const channelCell = columns.slackChannel >= 0 ? row[columns.slackChannel] ?? '' : ''
    if (channelCell !== '') {
      const channel = slackChannelOf(channelCell)
      if (channel === null) {
        throw new InputFileError('E_TEAMS_INVALID', `Teams file ${path}, line ${line}: slack_channel is not a channel ID or name (${CHANNEL_HINT}).`)
      }
      rule.slackChannel = channel
    }
    rules.push(rule)
  }
  return rules
}

/**
 * Each team's Slack channel. A team may be listed on several lines (CSV rows, list entries); they may repeat its
 * channel or leave it out, but two different channels for one team is a mistake named with both lines.
 */
export function teamChannels(rules: TeamRule[], path = 'the teams file'): Map<string, string> {
  const channels = new Map<string, {channel: string; line: number | null}>()
  for (const rule of rules) {
    if (rule.slackChannel === undefined) continue
    const known = channels.get(rule.team)
    if (known && known.channel !== rule.slackChannel) {
      throw new InputFileError(
        'E_TEAMS_INVALID',
        `Teams file ${path}, line ${rule.line ?? '?'}: team "${rule.team}" has slack_channel ${rule.slackChannel}, but ${known.channel} on line ${known.line ?? '?'}; give each team one channel.`,
      )
    }
    if (!known) channels.set(rule.team, {channel: rule.slackChannel, line: rule.line})
  }
  return new Map([...channels].map(([team, {channel}]) => [team, channel]))
}
