/**
 * The two ways to reach Slack: the Web API with a bot token (message, then the chart into its thread) and an
 * incoming webhook (message only). Every call goes through one bounded retry loop so that a flaky Slack
 * costs the weekly job seconds, not the half hour @slack/web-api would wait by default.
 */
import {setTimeout as sleepFor} from 'node:timers/promises'

import {LogLevel, WebClient, type Logger, type WebClientOptions} from '@slack/web-api'

import {describeSlackFailure, SlackHttpFailure, SlackNetworkFailure, type FailureContext, type SlackFailure} from './failures.js'

export interface RetryPolicy {
  /** Total tries per call, first one included. */
  attempts: number
  /** Wait before the second try of a transient failure; doubled for each further try. */
  baseDelayMs: number
  /** A 429 asking for a longer wait than this is reported instead of waited for. */
  maxRetryAfterSec: number
  requestTimeoutMs: number
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {attempts: 3, baseDelayMs: 1000, maxRetryAfterSec: 30, requestTimeoutMs: 15_000}

/** A Slack call that failed for good, carrying the one-line description. */
export class SlackCallError extends Error {
  constructor(readonly failure: SlackFailure) {
    super(failure.message)
  }
}

export async function withSlackRetry<T>(
  call: () => Promise<T>,
  context: FailureContext,
  policy: RetryPolicy,
  log: (line: string) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call()
    } catch (error) {
      const failure = describeSlackFailure(error, context)
      if (failure.kind === 'permanent' || attempt >= policy.attempts) throw new SlackCallError(failure)
      let waitMs = policy.baseDelayMs * 2 ** (attempt - 1)
      if (failure.kind === 'rate-limited') {
        const retryAfter = failure.retryAfterSec ?? policy.baseDelayMs / 1000
        if (retryAfter > policy.maxRetryAfterSec) throw new SlackCallError(failure)
        waitMs = retryAfter * 1000
      }
      log(`Slack could not ${context.action}: ${failure.reason ?? failure.code}; retrying in ${(waitMs / 1000).toFixed(1)}s (attempt ${attempt + 1} of ${policy.attempts})`)
      await sleepFor(waitMs)
    }
  }
}

/** @slack/web-api logs to the console by default; its lines could quote request bodies, so they go nowhere. */
const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
}

/** WebClient's default; its origin is the one host the bot token may go to when --slack-api-url is not set. */
const SLACK_API_URL = 'https://slack.com/api/'

/**
 * WebClient puts the bot token on every request it makes, also on the chart's byte upload to whatever
 * upload_url files.getUploadURLExternal returned. That URL is presigned (Slack's own SDKs upload without the
 * token), so the token is dropped from any request that does not go to the configured API origin.
 */
function tokenOnlyTo(apiUrl: string): NonNullable<WebClientOptions['requestInterceptor']> {
  const apiOrigin = new URL(apiUrl).origin
  return (config) => {
    const target = new URL(config.url ?? '', config.baseURL ?? apiUrl)
    if (target.origin !== apiOrigin) config.headers.delete('Authorization')
    return config
  }
}

export function createSlackClient(token: string, apiUrl: string | undefined, policy: RetryPolicy): WebClient {
  return new WebClient(token, {
    slackApiUrl: apiUrl,
    requestInterceptor: tokenOnlyTo(apiUrl ?? SLACK_API_URL),
    logger: silentLogger,
    // Retries and rate limits are handled by withSlackRetry, with bounds that suit a CI job.
    retryConfig: {retries: 0},
    rejectRateLimitedCalls: true,
    timeout: policy.requestTimeoutMs,
  })
}

export interface SlackMessage {
  channel?: string
  text: string
  blocks: object[]
}

/** Posts with the bot token; returns the channel ID Slack resolved (even when given a #name) and the ts. */
export async function postWithToken(client: WebClient, message: SlackMessage & {channel: string}): Promise<{channel: string; ts: string}> {
  const response = await client.chat.postMessage({channel: message.channel, text: message.text, blocks: message.blocks as never})
  return {channel: response.channel ?? message.channel, ts: response.ts ?? ''}
}

export interface ChartUpload {
  channelId: string
  threadTs: string
  bytes: Buffer
  filename: string
  title: string
  altText: string
}

/** files.uploadV2: getUploadURLExternal, the byte upload, then completeUploadExternal into the thread. */
export async function uploadChart(client: WebClient, upload: ChartUpload): Promise<void> {
  await client.filesUploadV2({
    channel_id: upload.channelId,
    thread_ts: upload.threadTs,
    file: upload.bytes,
    filename: upload.filename,
    title: upload.title,
    alt_text: upload.altText,
  })
}

/** Incoming webhooks take only text and blocks (the channel is fixed by the webhook) and answer "ok". */
export async function postWithWebhook(webhookUrl: string, message: SlackMessage, policy: RetryPolicy): Promise<void> {
  let response: Response
  try {
    response = await fetch(webhookUrl, {
      method: 'POST',
      headers: {'content-type': 'application/json; charset=utf-8'},
      body: JSON.stringify({text: message.text, blocks: message.blocks}),
      signal: AbortSignal.timeout(policy.requestTimeoutMs),
    })
  } catch (error) {
    throw new SlackNetworkFailure(fetchFailureReason(error))
  }
  const body = await response.text().catch(() => '')
  if (response.status === 200) return
  const retryAfter = Number.parseInt(response.headers.get('retry-after') ?? '', 10)
  throw new SlackHttpFailure(response.status, body.slice(0, 200), Number.isNaN(retryAfter) ? undefined : retryAfter)
}

/** fetch hides the socket error in `cause`; its code (ECONNREFUSED, ENOTFOUND) is the useful part. */
function fetchFailureReason(error: unknown): string {
  const failure = error as Error & {cause?: {code?: string}}
  if (failure?.name === 'TimeoutError' || failure?.name === 'AbortError') return 'timeout'
  return failure?.cause?.code ?? 'network error'
}
