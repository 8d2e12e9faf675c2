/**
 * Slack failures as one line each that names the fix, plus whether a retry can help. Slack answers most
 * problems with HTTP 200 and `{ok: false, error}`; those are configuration problems a retry cannot fix.
 * Rate limits (429), Slack-side 5xx and network errors are transient and are retried.
 */
import {ErrorCode} from '@slack/web-api'

import {redact} from '../core/secrets.js'

export type SlackFailureKind = 'rate-limited' | 'transient' | 'permanent'

export interface SlackFailure {
  kind: SlackFailureKind
  /** Stable E_SLACK_... code for --json and scripts. */
  code: string
  message: string
  /** Seconds Slack asked us to wait (429 Retry-After). */
  retryAfterSec?: number
  /** What went wrong, without the fix, for a line saying that it is retried (transient failures). */
  reason?: string
}

export interface FailureContext {
  via: 'api' | 'webhook'
  /** What was being done, e.g. "post the summary" or "upload the chart". */
  action: string
  channel?: string
  /** Host of the Web API (not secret; the webhook URL is, so it is never named). */
  apiHost?: string
}

/** Thrown by the webhook transport so that both transports classify failures the same way. */
export class SlackHttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly retryAfterSec: number | undefined,
  ) {
    super(`Slack webhook answered HTTP ${status}`)
  }
}

/** Thrown by the webhook transport when the request never got an answer. */
export class SlackNetworkFailure extends Error {
  constructor(readonly reason: string) {
    super(`network error: ${reason}`)
  }
}

type WebApiError = Error & {
  code?: string
  data?: {error?: string; needed?: string; provided?: string}
  statusCode?: number
  retryAfter?: number
  original?: Error & {code?: string}
}

const SCOPE_HINT = 'add the chat:write scope (and files:write for the chart) under OAuth & Permissions, then reinstall the app'

/** The `error` string Slack returns in `{ok: false}` (or as a webhook's body), as a line naming the fix. */
function platformFailure(error: string, context: FailureContext, needed?: string): SlackFailure {
  const where = context.channel ? ` ${context.channel}` : ''
  const fail = (code: string, message: string): SlackFailure => ({kind: 'permanent', code, message: `Slack could not ${context.action}: ${message}`})
  switch (error) {
    case 'channel_not_found':
      return fail(
        'E_SLACK_CHANNEL_NOT_FOUND',
        `channel${where} not found (channel_not_found); check --slack-channel / SLACK_DEFAULT_CHANNEL, and for a private channel invite the bot with /invite @app`,
      )
    case 'not_in_channel':
      return fail('E_SLACK_NOT_IN_CHANNEL', `the bot is not a member of${where || ' the channel'} (not_in_channel); invite it there with /invite @app`)
    case 'is_archived':
    case 'channel_is_archived':
      return fail('E_SLACK_CHANNEL_ARCHIVED', `channel${where} is archived (${error}); unarchive it or choose another channel`)
    case 'invalid_auth':
    case 'not_authed':
    case 'invalid_token':
      return fail(
        'E_SLACK_AUTH',
        context.via === 'webhook'
          ? `the webhook URL was refused (${error}); create a new incoming webhook and update SLACK_WEBHOOK_URL`
          : `the token was refused (${error}); check that SLACK_ACCESS_TOKEN / --slack-token holds the app's bot token (xoxb-...)`,
      )
    case 'token_revoked':
    case 'token_expired':
    case 'account_inactive':
      return fail('E_SLACK_TOKEN_REVOKED', `the token is no longer valid (${error}); regenerate it (reinstall the app) and update SLACK_ACCESS_TOKEN`)
    case 'missing_scope':
      return fail('E_SLACK_MISSING_SCOPE', `the token lacks the ${needed ? `${needed} ` : ''}scope (missing_scope); ${SCOPE_HINT}`)
    case 'no_service':
    case 'no_service_id':
    case 'no_team':
    case 'team_disabled':
      return fail('E_SLACK_WEBHOOK_GONE', `the incoming webhook no longer exists (${error}); create a new one and update SLACK_WEBHOOK_URL`)
    case 'action_prohibited':
    case 'restricted_action':
    case 'posting_to_general_channel_denied':
      return fail('E_SLACK_RESTRICTED', `the workspace does not allow this post (${error}); ask a Slack admin or choose another channel`)
    case 'invalid_blocks':
    case 'invalid_blocks_format':
    case 'msg_too_long':
    case 'invalid_payload':
      return fail('E_SLACK_PAYLOAD_REJECTED', `Slack rejected the message (${error}); rerun with --dry-run to inspect the payload and report it`)
    default:
      return fail('E_SLACK_REJECTED', `Slack answered "${error.slice(0, 80)}"; see https://api.slack.com/methods for what it means`)
  }
}

function unavailable(status: number, context: FailureContext): SlackFailure {
  const reason = `Slack answered HTTP ${status}`
  return {
    kind: 'transient',
    code: 'E_SLACK_UNAVAILABLE',
    message: `Slack could not ${context.action}: ${reason}; check https://slack-status.com and rerun \`cci-usage notify\``,
    reason,
  }
}

function network(reason: string, context: FailureContext): SlackFailure {
  const target = context.via === 'webhook' ? 'the Slack webhook' : `Slack at ${context.apiHost ?? 'slack.com'}`
  const fix = context.via === 'webhook' ? 'check the network' : 'check the network and --slack-api-url / SLACK_API_URL'
  const what = `could not reach ${target} (${reason})`
  return {kind: 'transient', code: 'E_SLACK_NETWORK', message: `Slack could not ${context.action}: ${what}; ${fix}`, reason: what}
}

function rateLimited(retryAfterSec: number | undefined, context: FailureContext): SlackFailure {
  const reason = `rate limited by Slack${retryAfterSec === undefined ? '' : ` (Retry-After ${retryAfterSec}s)`}`
  return {
    kind: 'rate-limited',
    code: 'E_SLACK_RATE_LIMITED',
    message: `Slack could not ${context.action}: ${reason}; rerun \`cci-usage notify\` later`,
    retryAfterSec,
    reason,
  }
}

/** Only the short reason (ECONNREFUSED, timeout); the library's message may quote a URL. */
function networkReason(error: WebApiError): string {
  const original = error.original
  if (original?.code) return original.code
  if (original?.message && /timeout/i.test(original.message)) return 'timeout'
  return 'network error'
}

export function describeSlackFailure(error: unknown, context: FailureContext): SlackFailure {
  if (error instanceof SlackHttpFailure) {
    if (error.status === 429) return rateLimited(error.retryAfterSec, context)
    if (error.status >= 500) return unavailable(error.status, context)
    const body = error.body.trim()
    return platformFailure(/^[a-z_]{1,60}$/.test(body) ? body : `HTTP ${error.status}`, context)
  }
  if (error instanceof SlackNetworkFailure) return network(error.reason, context)
  const webError = error as WebApiError
  switch (webError?.code) {
    case ErrorCode.PlatformError: {
      const slackError = webError.data?.error ?? 'unknown_error'
      // Slack reports some outages inside a 200 answer; those are worth a retry.
      if (['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout'].includes(slackError)) {
        return {...platformFailure(slackError, context), kind: 'transient', code: 'E_SLACK_UNAVAILABLE', reason: `Slack answered "${slackError}"`}
      }
      if (slackError === 'ratelimited') return rateLimited(undefined, context)
      return platformFailure(slackError, context, webError.data?.needed)
    }
    case ErrorCode.RateLimitedError:
      return rateLimited(webError.retryAfter, context)
    case ErrorCode.HTTPError: {
      const status = webError.statusCode ?? 0
      if (status >= 500) return unavailable(status, context)
      return {kind: 'permanent', code: 'E_SLACK_HTTP', message: `Slack could not ${context.action}: Slack answered HTTP ${status}; check --slack-api-url / SLACK_API_URL`}
    }
    case ErrorCode.RequestError:
      return network(networkReason(webError), context)
    default:
      // Anything else, for example the upload's own "Failed to upload file": not retried, since nothing says a
      // second try would fare better. The library's text is redacted in case it quotes a URL.
      return {
        kind: 'permanent',
        code: 'E_SLACK_FAILED',
        message: `Slack could not ${context.action}: ${redact(error instanceof Error ? error.message : String(error)).slice(0, 160)}`,
      }
  }
}
