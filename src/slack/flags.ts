/**
 * The Slack flags, shared by `notify` and `run` so both read the same names and environment variables (the
 * official CircleCI Slack orb's SLACK_ACCESS_TOKEN / SLACK_DEFAULT_CHANNEL, CircleCI's CIRCLE_BUILD_URL).
 */
import {join} from 'node:path'

import {Flags} from '@oclif/core'

import {BadInputError} from '../core/errors.js'
import {isPlainDecimal} from '../core/plain-number.js'
import {safeForCredentials, SECURE_URL_RULE} from '../core/secure-url.js'
import {holdsTokenShape, wrappedInQuotes} from '../core/secrets.js'
import {CHANNEL_HINT, slackChannelOf} from '../core/slack-channel.js'

import type {NotifyOptions} from './index.js'
import {DEFAULT_TOP_PROJECTS, slackLink} from './payload.js'

export const slackFlags = {
  notify: Flags.option({
    options: ['always', 'never'] as const,
    default: 'always' as const,
    description: 'Post to Slack always or never; the --notify-if-* thresholds narrow "always".',
    helpGroup: 'SLACK',
  })(),
  // Thresholds are read as strings and checked in notifyOptionsFromFlags, which accepts "20%" and answers a bad
  // value with its own error code and an example, rather than oclif's generic parse error.
  'notify-if-change-over': Flags.string({
    description: 'Post only when total credits changed by at least this many percent (up or down) vs the previous window.',
    helpValue: 'PCT',
    helpGroup: 'SLACK',
  }),
  'notify-if-credits-over': Flags.string({
    description: 'Post only when total credits reach at least this many (with both thresholds, either one posts).',
    helpValue: 'CREDITS',
    helpGroup: 'SLACK',
  }),
  'notify-if-budget-at-risk': Flags.boolean({
    description: 'Post only when a budget is at risk (warn, high or over; see --budgets). With other thresholds, any one posts.',
    helpGroup: 'SLACK',
  }),
  'notify-if-anomaly': Flags.boolean({
    description: 'Post only when an anomaly was found (needs a report made with --history). With other thresholds, any one posts.',
    helpGroup: 'SLACK',
  }),
  'slack-token': Flags.string({
    env: 'SLACK_ACCESS_TOKEN',
    description: 'Slack bot token (xoxb-...) with chat:write, and files:write for the chart.',
    helpGroup: 'SLACK',
  }),
  'slack-channel': Flags.string({
    env: 'SLACK_DEFAULT_CHANNEL',
    description: 'Channel to post to; a channel ID (C0123456789) is needed to upload the chart.',
    helpGroup: 'SLACK',
  }),
  'slack-webhook-url': Flags.string({
    env: 'SLACK_WEBHOOK_URL',
    description: 'Incoming webhook URL, instead of a token (text only: no chart upload).',
    helpGroup: 'SLACK',
  }),
  'slack-api-url': Flags.string({
    env: 'SLACK_API_URL',
    description: 'Slack Web API base URL (GovSlack: https://slack-gov.com/api/).',
    helpGroup: 'SLACK',
  }),
  'report-url': Flags.string({
    env: 'CIRCLE_BUILD_URL',
    description: 'Link to where the report artifacts are (defaults to the CircleCI job).',
    helpGroup: 'SLACK',
  }),
  top: Flags.integer({
    min: 1,
    max: 50,
    default: DEFAULT_TOP_PROJECTS,
    description: 'How many projects (and teams) the Slack message lists.',
    helpGroup: 'SLACK',
  }),
  'dry-run': Flags.boolean({
    description: 'Print the Slack payload ({channel, text, blocks}; a list of them when teams have channels) on stdout and post nothing. run prints it only with --notify always (its default is never).',
    helpGroup: 'SLACK',
  }),
  'strict-notify': Flags.boolean({
    description: 'Fail (exit 6) when a message is not posted: Slack cannot be reached or refuses it, or no Slack token and channel or webhook is set; by default that is a warning.',
    helpGroup: 'SLACK',
  }),
}

export interface SlackFlagValues {
  notify: 'always' | 'never'
  'notify-if-change-over'?: string
  'notify-if-credits-over'?: string
  'notify-if-budget-at-risk'?: boolean
  'notify-if-anomaly'?: boolean
  'slack-token'?: string
  'slack-channel'?: string
  'slack-webhook-url'?: string
  'slack-api-url'?: string
  'report-url'?: string
  top: number
  'dry-run': boolean
  'strict-notify': boolean
}

/** Empty environment variables (common in CI contexts) count as unset. */
const present = (value: string | undefined) => (value && value.trim() !== '' ? value.trim() : undefined)

/** Name of the chart `report` renders beside summary.json; uploaded into the message's thread. */
export const CHART_PNG = 'credits-by-project.png'

function threshold(flags: SlackFlagValues, name: 'notify-if-change-over' | 'notify-if-credits-over'): number | undefined {
  const input = flags[name]
  if (input === undefined) return undefined
  const text = input.trim().replace(/%$/, '')
  const value = Number(text)
  if (!isPlainDecimal(text) || !Number.isFinite(value) || value < 0) {
    throw new BadInputError('E_BAD_THRESHOLD', `--${name} expects a number >= 0, got "${input.slice(0, 40)}"; for example --${name} ${name === 'notify-if-change-over' ? '20' : '100000'}`)
  }
  return value
}

/**
 * The bot token goes to the API URL and the webhook URL is itself the credential: neither may travel in cleartext.
 * A value that is not a URL at all (a typo, a missing `https://`) is refused here too, with exit 2, instead of
 * being retried as a network failure. The message never quotes the value: the webhook URL is secret.
 */
function requireSecureUrl(value: string | undefined, names: string): void {
  if (value === undefined) return
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new BadInputError('E_BAD_SLACK_URL', `${names} is not a URL (the value is not shown: it may hold a credential); give the whole URL with its https:// (the incoming webhook URL as Slack shows it, or an API base such as https://slack.com/api/).`)
  }
  if (!safeForCredentials(url)) {
    throw new BadInputError('E_BAD_SLACK_URL', `${names} must start with https:// (${SECURE_URL_RULE}), as it carries the Slack credential.`)
  }
  // The HTTP client turns user:password@ into its own Authorization header, which replaces the bot token's: every
  // call would then fail as unauthenticated, for a reason no message names.
  if (url.username || url.password) {
    throw new BadInputError('E_BAD_SLACK_URL', `${names} must not hold a user name or password (user:password@): Slack's credential is the token or the webhook URL itself; give the URL without them.`)
  }
}

/**
 * The message links to the report with it; a value Slack cannot link (a path, a typo without http(s)://) was
 * dropped without a word and the message went out with no link. The value is not quoted: it may be a presigned link.
 */
function requireReportUrl(value: string | undefined): void {
  // The message's own rule (slackLink), so that what passes here is what the message links.
  if (value !== undefined && slackLink(value, 'report') === null) {
    throw new BadInputError('E_BAD_REPORT_URL', '--report-url / CIRCLE_BUILD_URL is not an http(s) URL (the value is not shown); give the whole link with its https://, e.g. the CircleCI job URL, or leave it out.')
  }
}

/**
 * The --notify-if-* thresholds given, by flag name. With an explicit `--notify never` they are refused (exit 2): the
 * two ask for opposite things, and on `run` the threshold used to win and post.
 */
export function notifyThresholds(
  flags: Pick<SlackFlagValues, 'notify-if-change-over' | 'notify-if-credits-over' | 'notify-if-budget-at-risk' | 'notify-if-anomaly'> & {notify?: SlackFlagValues['notify']},
): string[] {
  const given = [
    flags['notify-if-change-over'] !== undefined && '--notify-if-change-over',
    flags['notify-if-credits-over'] !== undefined && '--notify-if-credits-over',
    flags['notify-if-budget-at-risk'] === true && '--notify-if-budget-at-risk',
    flags['notify-if-anomaly'] === true && '--notify-if-anomaly',
  ].filter((name): name is string => typeof name === 'string')
  if (flags.notify === 'never' && given.length > 0) {
    throw new BadInputError('E_NOTIFY_CONFLICT', `--notify never contradicts ${given.join(', ')}: drop --notify never to post when the threshold holds, or drop the threshold.`)
  }
  return given
}

/** Turns the flags into notifySlack options; throws BadInputError (exit 2) for a malformed threshold, a URL that is not one, an http Slack URL, or a report URL Slack cannot link. */
export function notifyOptionsFromFlags(flags: SlackFlagValues, outDir: string): NotifyOptions {
  notifyThresholds(flags)
  requireSecureUrl(present(flags['slack-api-url']), '--slack-api-url / SLACK_API_URL')
  requireSecureUrl(present(flags['slack-webhook-url']), '--slack-webhook-url / SLACK_WEBHOOK_URL')
  requireReportUrl(present(flags['report-url']))
  const channel = present(flags['slack-channel'])
  if (channel !== undefined && slackChannelOf(channel) === null) {
    // Slack would answer channel_not_found only after the whole export and report. Not quoted: a webhook URL or
    // a token pasted into the wrong variable is a credential.
    // The Slack orb takes a comma-separated list in the same variable; this tool posts to one channel.
    const what = holdsTokenShape(channel) ? ' but a token (a Slack bot token goes in SLACK_ACCESS_TOKEN)' : channel.includes(',') ? ' but a list (it posts to one channel)' : ''
    throw new BadInputError('E_BAD_SLACK_CHANNEL', `--slack-channel / SLACK_DEFAULT_CHANNEL is not a channel ID or name${what} (the value is not shown); ${CHANNEL_HINT}.`)
  }
  const token = present(flags['slack-token'])
  if (token !== undefined && wrappedInQuotes(token)) {
    // `docker run --env-file` and some CI settings keep quotes as part of the value; Slack then answered
    // invalid_auth after the whole export and report. Not quoted: it is a credential.
    throw new BadInputError(
      'E_BAD_SLACK_TOKEN',
      '--slack-token / SLACK_ACCESS_TOKEN is wrapped in quotes, which are not part of a Slack token (the value is not shown): remove them (docker --env-file and CI settings take a value literally).',
    )
  }
  return {
    policy: {
      mode: flags.notify,
      changeOverPct: threshold(flags, 'notify-if-change-over'),
      creditsOver: threshold(flags, 'notify-if-credits-over'),
      budgetAtRisk: flags['notify-if-budget-at-risk'] === true || undefined,
      anomaly: flags['notify-if-anomaly'] === true || undefined,
    },
    token,
    channel,
    webhookUrl: present(flags['slack-webhook-url']),
    apiUrl: present(flags['slack-api-url']),
    reportUrl: present(flags['report-url']),
    chartPng: join(outDir, CHART_PNG),
    dryRun: flags['dry-run'],
    strict: flags['strict-notify'],
    topProjects: flags.top,
  }
}
