/**
 * The weekly Slack message, built from summary.json alone: Block Kit blocks plus the plain-text fallback
 * Slack shows in notifications and in clients without blocks. Pure: the same summary and options always give
 * the same payload, which is what --dry-run prints and what the tests snapshot.
 */
import {isRollup, type Bucket, type ProjectChange, type Summary} from '../analysis/summary.js'
import {
  daysLabel,
  formatCount,
  formatCredits,
  formatDollars,
  formatPrice,
  formatShare,
  formatSignedCount,
  formatSignedCredits,
  formatSignedPercent,
  trendArrow,
  windowLabel,
} from './format.js'
import {costliestHealthProblem, headlineSentence} from '../analysis/health/headline.js'
import {dollarsOfCreditFigure} from '../core/exact-money.js'
import {formatSeconds} from '../core/format-duration.js'
import {projectionWording} from '../core/projection.js'
import {listSection} from './blocks.js'
import {budgetAlertBlocks, historyBlocks, historyFallback, teamBudgetBlocks} from './history.js'
import {MAX_NAME_CHARS, SLACK_LIMITS} from './limits.js'
import {opportunityText} from './savings-text.js'
import {clipEscaped, mrkdwnName, plainName} from './text.js'

export interface SlackMessageOptions {
  channel?: string
  /** Where the artifacts are (the CircleCI job, CIRCLE_BUILD_URL). Only http(s) URLs are linked. */
  reportUrl?: string
  /** How many projects (and teams) to list; default 5. */
  topProjects?: number
  /** A team's own message (its Summary is filtered to its projects): named in the header instead of the orgs. */
  team?: string
}

export const DEFAULT_TOP_PROJECTS = 5
const MAX_SAVINGS_LINES = 3
const MAX_HEADER_ORGS = 3
/** Savings titles and changes are sentences that embed names, so they get more room than a bare name. */
const MAX_SAVINGS_TEXT_CHARS = 240

type TextObject = {type: 'mrkdwn' | 'plain_text'; text: string; emoji?: boolean}
type Block =
  | {type: 'header'; text: TextObject}
  | {type: 'section'; text?: TextObject; fields?: TextObject[]}
  | {type: 'context'; elements: TextObject[]}
  | {type: 'divider'}

const mrkdwn = (text: string): TextObject => ({type: 'mrkdwn', text})

/** Org names by credits, largest first; the --org filter when the breakdown is empty. */
function orgNames(summary: Summary): string[] {
  const names = summary.breakdowns.org.filter((bucket) => !isRollup(bucket)).map((bucket) => bucket.dims.org ?? bucket.key)
  if (names.length === 0 && summary.filters.org) return [summary.filters.org]
  return names
}

function headerText(summary: Summary, team?: string): string {
  if (team !== undefined) return clipEscaped(`CircleCI usage · team ${plainName(team, 40)} · ${windowLabel(summary.window)}`, SLACK_LIMITS.headerText)
  const orgs = orgNames(summary)
  const shown = orgs.slice(0, MAX_HEADER_ORGS).map((org) => plainName(org, 40))
  const more = orgs.length > MAX_HEADER_ORGS ? ` +${orgs.length - MAX_HEADER_ORGS} more` : ''
  const who = shown.length > 0 ? ` · ${shown.join(', ')}${more}` : ''
  return clipEscaped(`CircleCI usage${who} · ${windowLabel(summary.window)}`, SLACK_LIMITS.headerText)
}

/** Null when there is nothing to compare with: no comparison computed, or no rows in the previous window. */
function usableComparison(summary: Summary) {
  const comparison = summary.comparison
  if (!comparison || comparison.previousEmpty) return null
  return comparison
}

/** The Summary's change and percent (computed exactly once, in the analysis), worded as every medium words them. */
function changeWording({change, pct}: {change: number; pct: number | null}): string {
  if (change === 0) return '= no change'
  if (pct === null) return `${trendArrow(change)} ${formatSignedCredits(change)} (previous: 0)`
  return `${trendArrow(change)} ${formatSignedPercent(pct)} (${formatSignedCredits(change)})`
}

function summaryFields(summary: Summary): TextObject[] {
  const total = summary.totals.credits.total
  const comparison = usableComparison(summary)
  const fields: TextObject[] = [mrkdwn(`*Total credits*\n${formatCredits(total)}`)]
  if (summary.creditPrice !== null && summary.totals.dollars !== null) {
    fields.push(mrkdwn(`*Cost*\n${formatDollars(summary.totals.dollars)} at ${formatPrice(summary.creditPrice)}/credit`))
  }
  if (comparison) {
    fields.push(
      mrkdwn(`*Change vs previous ${daysLabel(comparison.previousWindow.days)}*\n${changeWording({change: comparison.change.credits, pct: comparison.change.pct})}`),
    )
  } else {
    fields.push(mrkdwn(`*Change vs previous window*\n${summary.comparison ? 'no usage data for the previous window' : 'not compared in this report'}`))
  }
  const jobsChange = comparison ? ` (${formatSignedCount(summary.totals.jobs - comparison.previous.jobs)} vs previous)` : ''
  fields.push(mrkdwn(`*Jobs*\n${formatCount(summary.totals.jobs)}${jobsChange}`))
  const failedShare = formatShare(summary.failed.credits, total)
  fields.push(
    mrkdwn(
      `*Spent on failed jobs*\n${formatCredits(summary.failed.credits)}${failedShare ? ` (${failedShare} of total)` : ''} in ${formatCount(summary.failed.jobs)} failed ${summary.failed.jobs === 1 ? 'job' : 'jobs'}`,
    ),
  )
  fields.push(mrkdwn(wasteField(summary)))
  fields.push(mrkdwn(`*Projects*\n${formatCount(summary.totals.projects)}`))
  return fields.slice(0, SLACK_LIMITS.fieldsPerSection).map((field) => ({...field, text: clipEscaped(field.text, SLACK_LIMITS.fieldText)}))
}

/** Canceled-job and rerun spend: waste, labelled as spend (savings are rightsizing only). */
function wasteField(summary: Summary): string {
  const canceled = `${formatCredits(summary.canceled.credits)} on canceled jobs`
  const reruns = summary.waste
    ? ` · ${formatCredits(summary.waste.reruns.credits)} on reruns (${formatCount(summary.waste.reruns.attempts)} earlier ${summary.waste.reruns.attempts === 1 ? 'attempt' : 'attempts'})`
    : ''
  return `*Other spend thrown away*\n${canceled}${reruns}`
}

/** The costliest health problem, in one line (the report's Health section has the rest). */
function healthLine(summary: Summary): string | null {
  const headline = costliestHealthProblem(summary.health)
  if (!headline) return null
  const sentence = headlineSentence(headline, (text) => mrkdwnName(text, MAX_NAME_CHARS), formatCredits, formatSeconds, summary.totals.orgs > 1)
  return `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}`
}

/** Project buckets without the --top roll-up: the message lists projects, and counts the rest separately. */
function namedProjects(summary: Summary): Bucket[] {
  return summary.breakdowns.project.filter((bucket) => !isRollup(bucket))
}

/** Looks a project bucket up in the comparison, by its key first and by its project dimension second. */
function projectChangeFor(bucket: Bucket, changes: Map<string, ProjectChange>): ProjectChange | undefined {
  return changes.get(bucket.key) ?? (bucket.dims.project ? changes.get(bucket.dims.project) : undefined)
}

function projectLines(summary: Summary, top: number): string[] {
  const total = summary.totals.credits.total
  const comparison = usableComparison(summary)
  const changes = new Map((comparison?.projects ?? []).map((change) => [change.project, change]))
  return namedProjects(summary).slice(0, top).map((bucket, index) => {
    const share = formatShare(bucket.credits, total)
    let line = `${index + 1}. ${mrkdwnName(bucket.key, MAX_NAME_CHARS)}: ${formatCredits(bucket.credits)} credits${share ? ` (${share})` : ''}`
    if (comparison) {
      const change = projectChangeFor(bucket, changes)
      if (!change || change.previous === 0) line += ' · new this window'
      else line += ` · ${changeWording(change)}`
    }
    return line
  })
}

/** "Top 5 projects of 12": the title of a list that shows `shown` of `count` entries. */
function topOfTitle(shown: number, count: number, noun: 'project' | 'team'): string {
  return `Top ${shown} ${shown === 1 ? noun : `${noun}s`} of ${formatCount(count)}`
}

function teamLines(teams: Bucket[], total: number, top: number): string[] {
  return teams.slice(0, top).map((team) => {
    const share = formatShare(team.credits, total)
    return `• ${mrkdwnName(team.key, MAX_NAME_CHARS)}: ${formatCredits(team.credits)} credits${share ? ` (${share})` : ''}`
  })
}

function savingsLines(summary: Summary): string[] {
  const savings = summary.savings
  if (!savings) return []
  return savings.top.slice(0, MAX_SAVINGS_LINES).map((opportunity) => {
    const dollars = summary.creditPrice === null ? '' : `, ${formatDollars(dollarsOfCreditFigure(opportunity.creditsPerWeek, summary.creditPrice))}/week`
    // The title repeats the amount; the concrete change is what a reader acts on.
    const change = opportunityText(summary, opportunity, MAX_SAVINGS_TEXT_CHARS)
    return `• *~${formatCredits(opportunity.creditsPerWeek)} credits/week*${dollars}: ${change}`
  })
}

/** The report link, or null when the URL is not plain http(s) (it is data from the environment). */
export function slackLink(url: string | undefined, label: string): string | null {
  if (!url) return null
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return null
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null
  // `|` and `>` would end the link early; `&` must be an entity like anywhere else in mrkdwn.
  const href = parsed.href.replaceAll('|', '%7C').replaceAll('>', '%3E').replaceAll('<', '%3C').replaceAll('&', '&amp;')
  return `<${href}|${label}>`
}

function filterWording(summary: Summary): string | null {
  // The window is shown already; since/until only repeat it, as the header does the team.
  const entries = Object.entries(summary.filters).filter(([key, value]) => !['since', 'until', 'team'].includes(key) && typeof value === 'string' && value !== '')
  if (entries.length === 0) return null
  return `Filtered: ${entries.map(([key, value]) => `${key}=${mrkdwnName(value, MAX_NAME_CHARS)}`).join(', ')}`
}

function contextBlock(summary: Summary, options: SlackMessageOptions): Block {
  const comparison = usableComparison(summary)
  let windowText = `Window ${windowLabel(summary.window)} UTC (${daysLabel(summary.window.days)})`
  if (comparison) windowText += `, compared with ${windowLabel(comparison.previousWindow)}`
  const elements = [mrkdwn(windowText)]
  const filters = filterWording(summary)
  if (filters) elements.push(mrkdwn(filters))
  const link = slackLink(options.reportUrl, 'Full report, charts and CSV in the CircleCI job artifacts')
  elements.push(mrkdwn(link ?? `cci-usage ${mrkdwnName(summary.tool.version, 20)}`))
  return {
    type: 'context',
    elements: elements
      .slice(0, SLACK_LIMITS.contextElements)
      .map((element) => ({...element, text: clipEscaped(element.text, SLACK_LIMITS.contextElementText)})),
  }
}

const MAX_WARNINGS_SHOWN = 3
const MAX_WARNING_CHARS = 300

/**
 * The input's warnings (undated rows, days the history lacks, a usage.csv older than the range asked) qualify the
 * figures below them, so they come right under the header: plain text, since they quote names and flags whose
 * `_` and `*` mrkdwn would read as formatting.
 */
function warningBlocks(summary: Summary): Block[] {
  const warnings = summary.input.warnings ?? []
  if (warnings.length === 0) return []
  const elements: TextObject[] = warnings
    .slice(0, MAX_WARNINGS_SHOWN)
    .map((warning) => ({type: 'plain_text', text: `⚠️ ${plainName(warning, MAX_WARNING_CHARS)}`, emoji: true}))
  if (warnings.length > MAX_WARNINGS_SHOWN) {
    elements.push({type: 'plain_text', text: `and ${warnings.length - MAX_WARNINGS_SHOWN} more warning(s) in the report`, emoji: true})
  }
  return [{type: 'context', elements}]
}

/**
 * The notification preview (and clients without blocks) reads the fallback text alone: without the warnings it
 * gave the figures as whole where the message's blocks say they are not. The first warning, then a count.
 */
function warningFallback(summary: Summary): string[] {
  const warnings = summary.input.warnings ?? []
  if (warnings.length === 0) return []
  const more = warnings.length > 1 ? ` (and ${warnings.length - 1} more warning(s) in the report)` : ''
  return [`Warning: ${mrkdwnName(warnings[0], MAX_WARNING_CHARS)}${more}`]
}

function fallbackText(summary: Summary, options: SlackMessageOptions, top: number): string {
  const total = summary.totals.credits.total
  const comparison = usableComparison(summary)
  const orgs = orgNames(summary)
  const who = options.team !== undefined ? ` for team ${mrkdwnName(options.team, 40)}` : orgs.length > 0 ? ` for ${orgs.slice(0, MAX_HEADER_ORGS).map((org) => mrkdwnName(org, 40)).join(', ')}${orgs.length > MAX_HEADER_ORGS ? ` +${orgs.length - MAX_HEADER_ORGS} more` : ''}` : ''
  const dollars = summary.totals.dollars === null ? '' : ` (${formatDollars(summary.totals.dollars)})`
  let first = `CircleCI usage${who}, ${windowLabel(summary.window)} (${daysLabel(summary.window.days)}): ${formatCredits(total)} credits${dollars}`
  if (comparison) first += `, ${changeWording({change: comparison.change.credits, pct: comparison.change.pct})} vs the previous ${daysLabel(comparison.previousWindow.days)}`
  first += `. ${formatCount(summary.totals.jobs)} jobs; ${formatCredits(summary.failed.credits)} credits spent on failed jobs.`
  const history = historyFallback(summary)
  const lines = [...history.lead, first, ...warningFallback(summary)]
  const projectsAt = lines.length
  const savings = summary.savings?.top.slice(0, MAX_SAVINGS_LINES) ?? []
  if (savings.length > 0) {
    const projectedFrom = summary.savings?.projectedFrom
    const projected = projectedFrom ? ` (${projectionWording(projectedFrom)})` : ''
    lines.push(`Savings${projected}: ${savings.map((item) => `${opportunityText(summary, item, MAX_SAVINGS_TEXT_CHARS)} (~${formatCredits(item.creditsPerWeek)} credits/week)`).join('; ')}.`)
  }
  lines.push(...history.tail)
  const health = healthLine(summary)
  if (health) lines.push(`Health: ${health}.`)
  const link = slackLink(options.reportUrl, 'report')
  if (link) lines.push(`Full report: ${link}`)
  const projects = namedProjects(summary).slice(0, top).map((bucket) => `${mrkdwnName(bucket.key, MAX_NAME_CHARS)} ${formatCredits(bucket.credits)}`)
  if (projects.length > 0) {
    const room = SLACK_LIMITS.fallbackTextAdvised - lines.join('\n').length - 1
    lines.splice(projectsAt, 0, topProjectsLine(projects, room))
  }
  return clipEscaped(lines.join('\n'), SLACK_LIMITS.fallbackText)
}

/**
 * With a large --top and long names the list alone passed Slack's advised 4,000 characters, so it keeps the
 * projects that fit (whole, in rank order, at least the first) and counts the rest; the blocks list them all.
 */
function topProjectsLine(projects: string[], room: number): string {
  const line = (shown: number): string => {
    const more = shown < projects.length ? ` +${projects.length - shown} more` : ''
    return `Top projects: ${projects.slice(0, shown).join(', ')}${more}.`
  }
  let shown = projects.length
  while (shown > 1 && line(shown).length > room) shown--
  return line(shown)
}

export function buildSlackMessage(summary: Summary, options: SlackMessageOptions): {text: string; blocks: object[]} {
  const top = Math.max(1, Math.floor(options.topProjects ?? DEFAULT_TOP_PROJECTS))
  const total = summary.totals.credits.total
  const blocks: Block[] = [
    {type: 'header', text: {type: 'plain_text', text: headerText(summary, options.team), emoji: true}},
    ...warningBlocks(summary),
    ...budgetAlertBlocks(summary),
    {type: 'section', fields: summaryFields(summary)},
  ]
  const projects = projectLines(summary, top)
  if (projects.length > 0) {
    const shown = Math.min(top, namedProjects(summary).length)
    const projectCount = Math.max(summary.totals.projects, namedProjects(summary).length)
    blocks.push({type: 'divider'}, listSection(topOfTitle(shown, projectCount, 'project'), projects, 'projects'))
  } else {
    blocks.push({type: 'section', text: mrkdwn('*Projects*\nNo usage in this window.')})
  }
  const teams = summary.breakdowns.team
  if (teams && teams.length > 0) {
    // As the projects: the report's --top roll-up is no team, and a list cut short says how many it leaves out.
    const named = teams.filter((bucket) => !isRollup(bucket))
    const teamCount = named.length + teams.filter(isRollup).reduce((sum, bucket) => sum + (bucket.members ?? 1), 0)
    const shown = Math.min(top, named.length)
    const title = shown < teamCount ? topOfTitle(shown, teamCount, 'team') : 'Teams'
    if (shown > 0) blocks.push(listSection(title, teamLines(named, total, top), 'teams'))
  }
  if (options.team !== undefined) blocks.push(...teamBudgetBlocks(summary))
  blocks.push(...historyBlocks(summary))
  if (summary.savings) {
    const savings = savingsLines(summary)
    const projectedFrom = summary.savings.projectedFrom
    const afterTitle = ` (rightsizing${projectedFrom ? `, ${projectionWording(projectedFrom)}` : ''})`
    blocks.push(
      savings.length > 0
        ? listSection('Top savings opportunities', savings, 'opportunities', afterTitle)
        : {type: 'section', text: mrkdwn('*Savings*\nNo opportunity above the thresholds in this window.')},
    )
  }
  const health = healthLine(summary)
  if (health) blocks.push({type: 'section', text: mrkdwn(clipEscaped(`*Health*\n${health}`, SLACK_LIMITS.sectionText))})
  blocks.push(contextBlock(summary, options))
  return {text: fallbackText(summary, options, top), blocks: blocks.slice(0, SLACK_LIMITS.blocksPerMessage)}
}
