/**
 * The weekly Slack summary: decide (policy), build (payload), post (transport), then add the chart to the
 * message's thread. Slack problems never lose the run's artifacts: by default they come back as warnings
 * and only --strict-notify turns them into a NotifyError (exit 6).
 */
import {readFile, stat} from 'node:fs/promises'
import {basename} from 'node:path'

import type {Summary} from '../analysis/summary.js'
import {NotifyError} from '../core/errors.js'
import {registerSecret} from '../core/secrets.js'
import type {FailureContext} from './failures.js'
import {slackChart} from './history.js'
import {buildSlackMessage} from './payload.js'
import {shouldNotify, type NotifyPolicy} from './policy.js'
import {
  createSlackClient,
  DEFAULT_RETRY_POLICY,
  postWithToken,
  postWithWebhook,
  SlackCallError,
  uploadChart,
  withSlackRetry,
  type RetryPolicy,
} from './transport.js'

export {buildSlackMessage, type SlackMessageOptions} from './payload.js'
export {shouldNotify, type NotifyPolicy} from './policy.js'

export interface NotifyOptions {
  policy: NotifyPolicy
  token?: string
  channel?: string
  webhookUrl?: string
  apiUrl?: string
  reportUrl?: string
  /**
   * Path of credits-by-project.png; uploaded into the thread when it exists and a bot token is used. With a trend
   * in the summary, credits-by-week.png beside it is uploaded instead (history.ts slackChart).
   */
  chartPng?: string
  dryRun: boolean
  strict: boolean
  topProjects?: number
  /** Retry bounds; tests shorten them. */
  retry?: Partial<RetryPolicy>
  /** Set for a team's own message (its Summary filtered to its projects): named in the message and errors. */
  team?: string
}

export interface NotifyResult {
  posted: boolean
  reason: string
  dryRun: boolean
  /** The exact body posted (or, with --dry-run, that would be posted): {channel, text, blocks}. */
  payload?: object
  /** The channel ID Slack resolved the message to. */
  channel?: string
  ts?: string
  uploaded: boolean
  /** Problems that did not stop the run; the caller prints them. */
  warnings: string[]
  /** Set when posting failed (without --strict-notify). */
  failure?: {code: string; message: string}
  /**
   * Set when the message was not posted because `run --history` recorded it as posted already (same window,
   * destination and message: a rerun of the same week); --notify-again posts anyway.
   */
  skipped?: {reason: 'already-posted'; postedAt: string; ts?: string}
}

/** Slack channel IDs (public, private, DM, group DM); uploads need one, a #name is not enough. */
const CHANNEL_ID = /^[CGDZ][A-Z0-9]{6,}$/

export async function notifySlack(summary: Summary, options: NotifyOptions, log: (line: string) => void): Promise<NotifyResult> {
  registerSecret(options.token)
  registerSecret(options.webhookUrl)
  const retry: RetryPolicy = {...DEFAULT_RETRY_POLICY, ...options.retry}
  const decision = shouldNotify(summary, options.policy)
  const useToken = Boolean(options.token && options.channel)
  const message = buildSlackMessage(summary, {channel: options.channel, reportUrl: options.reportUrl, topProjects: options.topProjects, team: options.team})
  // JSON quoting keeps a team name with control characters from reaching the terminal as they are.
  const what = options.team === undefined ? 'the summary' : `the summary of team ${JSON.stringify(options.team)}`
  const payload = {channel: useToken || !options.webhookUrl ? options.channel : undefined, ...message}
  const base = {dryRun: options.dryRun, uploaded: false, warnings: [] as string[]}

  if (options.dryRun) {
    const reason = `dry run, nothing posted (${decision.post ? 'would post' : 'would not post'}: ${decision.reason.replace(/^(not )?posting: /, '')})`
    log(options.team === undefined ? reason : `${reason} [${what}, channel ${options.channel ?? '(none)'}]`)
    return {...base, posted: false, reason, payload, channel: options.channel}
  }
  if (!decision.post) {
    log(options.team === undefined ? decision.reason : `${decision.reason} [${what}, channel ${options.channel ?? '(none)'}]`)
    return {...base, posted: false, reason: decision.reason}
  }

  const fail = (code: string, failureMessage: string): NotifyResult => {
    if (options.strict) throw new NotifyError(code, failureMessage)
    return {...base, posted: false, reason: failureMessage, payload, failure: {code, message: failureMessage}, warnings: [...base.warnings, failureMessage]}
  }

  if (!useToken && !options.webhookUrl) {
    if (options.token) {
      return fail('E_SLACK_NO_CHANNEL', 'Slack is not configured: a token was given but no channel; set SLACK_DEFAULT_CHANNEL or --slack-channel (a channel ID such as C0123456789)')
    }
    if (options.channel) {
      return fail(
        'E_SLACK_NOT_CONFIGURED',
        'Slack is not configured: a channel was given but no token; set SLACK_ACCESS_TOKEN or --slack-token (a bot token, xoxb-...), or SLACK_WEBHOOK_URL; use --dry-run to preview the message',
      )
    }
    return fail(
      'E_SLACK_NOT_CONFIGURED',
      'Slack is not configured: set SLACK_ACCESS_TOKEN and SLACK_DEFAULT_CHANNEL (or --slack-token/--slack-channel), or SLACK_WEBHOOK_URL; use --dry-run to preview the message',
    )
  }

  if (!useToken) {
    const context: FailureContext = {via: 'webhook', action: `post ${what}`}
    try {
      await withSlackRetry(() => postWithWebhook(options.webhookUrl as string, message, retry), context, retry, log)
    } catch (error) {
      if (error instanceof SlackCallError) return fail(error.failure.code, error.failure.message)
      throw error
    }
    log(`Slack: posted ${what} through the incoming webhook`)
    if (options.chartPng && (await isFile(options.chartPng))) {
      log('Slack: chart not uploaded: incoming webhooks cannot upload files (use a bot token with files:write)')
    }
    return {...base, posted: true, reason: 'posted through the incoming webhook', payload}
  }

  const apiHost = parseApiHost(options.apiUrl)
  if (apiHost === null) {
    return fail('E_SLACK_BAD_API_URL', `--slack-api-url / SLACK_API_URL is not an http(s) URL; leave it unset for https://slack.com/api/`)
  }
  const client = createSlackClient(options.token as string, options.apiUrl, retry)
  const channel = options.channel as string
  let posted: {channel: string; ts: string}
  try {
    posted = await withSlackRetry(
      () => postWithToken(client, {...message, channel}),
      {via: 'api', action: `post ${what}`, channel, apiHost},
      retry,
      log,
    )
  } catch (error) {
    if (error instanceof SlackCallError) return fail(error.failure.code, error.failure.message)
    throw error
  }
  log(`Slack: posted ${what} to ${channel} (ts ${posted.ts})`)
  const result: NotifyResult = {...base, posted: true, reason: `posted to ${channel}`, payload, channel: posted.channel, ts: posted.ts}

  if (!options.chartPng) return result
  const chart = slackChart(summary, options.chartPng)
  if (!(await isFile(chart.path))) {
    log(`Slack: no chart at ${chart.path}; nothing to upload`)
    return result
  }
  if (!CHANNEL_ID.test(posted.channel)) {
    result.warnings.push(`chart not uploaded: uploads need a channel ID (such as C0123456789), not "${channel}"; set --slack-channel / SLACK_DEFAULT_CHANNEL to the channel's ID`)
    return result
  }
  // An upload failure is only a warning, even with --strict-notify: the message, the part people read, stands.
  let bytes: Buffer
  try {
    bytes = await readFile(chart.path)
  } catch (error) {
    result.warnings.push(`chart not uploaded: cannot read ${chart.path} (${(error as NodeJS.ErrnoException).code ?? 'read error'})`)
    return result
  }
  try {
    await withSlackRetry(
      () =>
        uploadChart(client, {
          channelId: posted.channel,
          threadTs: posted.ts,
          bytes,
          filename: basename(chart.path),
          title: options.team === undefined ? chart.title : `${chart.title}, team ${options.team}`,
          altText: chart.altText,
        }),
      {via: 'api', action: options.team === undefined ? 'upload the chart' : `upload the chart of team ${JSON.stringify(options.team)}`, channel, apiHost},
      retry,
      log,
    )
  } catch (error) {
    if (error instanceof SlackCallError) {
      result.warnings.push(error.failure.message)
      return result
    }
    throw error
  }
  log(`Slack: uploaded the chart into the thread${options.team === undefined ? '' : ` of team ${JSON.stringify(options.team)}`}`)
  return {...result, uploaded: true}
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}

function parseApiHost(apiUrl: string | undefined): string | null {
  try {
    const url = new URL(apiUrl ?? 'https://slack.com/api/')
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.host : null
  } catch {
    return null
  }
}
