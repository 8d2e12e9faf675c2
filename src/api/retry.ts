/**
 * When to retry a request and how long to wait first. Pure: the attempt number, the failure, the response
 * headers, `now` and the policy (with its random source) decide everything, so tests need no real time.
 */
export interface RetryDecision {
  retry: boolean
  delayMs: number
  /** Short human reason for progress lines ("HTTP 429", "ECONNRESET"); never contains a URL. */
  reason: string
}

export interface RetryPolicy {
  /** Attempts in total, the first one included. */
  maxAttempts: number
  baseDelayMs: number
  maxDelayMs: number
  /** A Retry-After beyond this is not waited for: the request fails instead. */
  maxRetryAfterMs: number
  random: () => number
  /** Extra error codes the caller treats as transient (e.g. a corrupt download). */
  extraRetryableCodes?: readonly string[]
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 65 * 60 * 1000,
  random: Math.random,
}

export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504])

export const RETRYABLE_ERROR_CODES: ReadonlySet<string> = new Set([
  'ETIMEDOUT',
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EADDRINUSE',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
])

export type HeaderBag = Record<string, string | string[] | undefined>

/** A failure as the retry logic sees it: an HTTP status, or an error with a code (got's RequestError has one). */
export type Failure = number | {code?: string; response?: {statusCode?: number; headers?: HeaderBag}} | unknown

function statusOf(failure: Failure): number | undefined {
  if (typeof failure === 'number') return failure
  const status = (failure as {response?: {statusCode?: unknown}} | null)?.response?.statusCode
  return typeof status === 'number' ? status : undefined
}

function codeOf(failure: Failure): string | undefined {
  const code = (failure as {code?: unknown} | null)?.code
  return typeof code === 'string' ? code : undefined
}

function headerValue(headers: HeaderBag, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value
  }
  return undefined
}

/** Retry-After in milliseconds (delta-seconds or an HTTP date), or undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined
  const text = value.trim()
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000)
  const date = Date.parse(text)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now.getTime())
}

/** Exponential backoff with "equal jitter": half fixed, half random, so parallel clients spread out. */
export function backoffDelay(attempt: number, policy: RetryPolicy): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(ceiling / 2 + policy.random() * (ceiling / 2))
}

/**
 * @param attempt the attempt that just failed, 1-based
 * @param failure the HTTP status or the error thrown
 * @param headers response headers (for Retry-After); taken from the error's response when omitted
 */
export function retryDecision(
  attempt: number,
  failure: Failure,
  headers: HeaderBag | undefined,
  now: Date,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): RetryDecision {
  const status = statusOf(failure)
  const code = codeOf(failure)
  const reason = status === undefined ? (code ?? 'network error') : `HTTP ${status}`
  const retryable =
    status === undefined
      ? code !== undefined && (RETRYABLE_ERROR_CODES.has(code) || (policy.extraRetryableCodes ?? []).includes(code))
      : RETRYABLE_STATUSES.has(status)
  if (!retryable || attempt >= policy.maxAttempts) return {retry: false, delayMs: 0, reason}

  if (status === 429) {
    const bag = headers ?? (failure as {response?: {headers?: HeaderBag}})?.response?.headers ?? {}
    const retryAfterMs = parseRetryAfter(headerValue(bag, 'retry-after'), now)
    if (retryAfterMs !== undefined) {
      if (retryAfterMs > policy.maxRetryAfterMs) return {retry: false, delayMs: 0, reason: `${reason} (Retry-After too long)`}
      // A little slack so the retry lands after the limiter's window really moved on.
      return {retry: true, delayMs: retryAfterMs + 250, reason}
    }
  }
  return {retry: true, delayMs: backoffDelay(attempt, policy), reason}
}
