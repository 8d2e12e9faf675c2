import {readFileSync} from 'node:fs'

import got, {HTTPError, type Got, type Response} from 'got'
import pRetry from 'p-retry'

import type {Clock} from '../core/clock.js'
import {ApiError, AuthError, BadInputError, CciUsageError} from '../core/errors.js'
import {registerSecret} from '../core/secrets.js'
import {terminalSafe} from '../core/terminal-safe.js'
import {normalizeHost} from './host.js'
import {isSlugSegment, MAX_FLAKY_TESTS_BODY_BYTES, parseFlakyTests, INSIGHTS_LIMIT, type FlakyTestPage} from './flaky-tests.js'
import {GET_LIMIT, Pacer, POST_LIMIT, realSleep, type RateLimit, type Sleep} from './pacer.js'
import {DEFAULT_RETRY_POLICY, retryDecision, type RetryPolicy} from './retry.js'

export interface ExportJob {
  id: string
  state: string
  start?: string
  end?: string
  /** Presigned links, one per part; every one is registered as a secret. */
  downloadUrls: string[]
  errorReason?: string
}

export interface CreateExportJobRequest {
  start: string
  end: string
  sharedOrgIds: readonly string[]
}

export interface UsageApiOptions {
  /** e.g. https://circleci.com (server installs have their own host). */
  host: string
  token: string
  clock: Clock
  sleep?: Sleep
  log?: (line: string) => void
  retryPolicy?: RetryPolicy
  getLimit?: RateLimit
  postLimit?: RateLimit
  /** Insights reads (flaky tests), all projects on one budget; default INSIGHTS_LIMIT. */
  insightsLimit?: RateLimit
  requestTimeoutMs?: number
  /**
   * Called before each retry wait; may throw to give up (the export throws its TimeoutError when the wait
   * would outlast --timeout, e.g. a POST 429 asking to come back in 50 minutes).
   */
  beforeRetryWait?: (delayMs: number, reason: string) => void
}

export const USER_AGENT = `cci-usage/${readVersion()}`

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {version?: string}
    return pkg.version ?? '0.0.0'
  } catch {
    return '0.0.0'
  }
}

export {normalizeHost}

/**
 * The private shares-for endpoint of `orgId`, relative to the host: requests send it as is (got's prefixUrl
 * refuses a leading slash), messages show it as `GET /<path>`.
 */
export function sharesForPath(orgId: string): string {
  return `private/orgs/${encodeURIComponent(orgId)}/plan/shares-for`
}

/** Reads a job body defensively: the API is the outside world. */
export function parseExportJob(body: unknown, fallbackId?: string): ExportJob {
  const record = (body ?? {}) as Record<string, unknown>
  const id = record.usage_export_job_id ?? record.id ?? fallbackId
  const state = record.state
  if (typeof id !== 'string' || id === '' || typeof state !== 'string') {
    throw new ApiError('E_API_BAD_RESPONSE', 'The Usage API answered without a job id or state; retry later or check --host.')
  }
  const urls = record.download_urls
  const downloadUrls = Array.isArray(urls) ? urls.filter((url): url is string => typeof url === 'string' && url !== '') : []
  for (const url of downloadUrls) registerSecret(url)
  return {
    id,
    state,
    start: typeof record.start === 'string' ? record.start : undefined,
    end: typeof record.end === 'string' ? record.end : undefined,
    downloadUrls,
    errorReason: typeof record.error_reason === 'string' ? record.error_reason : undefined,
  }
}

function apiMessage(response: Response | undefined): string | undefined {
  const body = response?.body as {message?: unknown} | string | undefined
  if (body && typeof body === 'object' && typeof body.message === 'string') return body.message
  return undefined
}

/** The kinds of request, each with its own rate limit (and pacer) per organization. */
type RequestKind = 'get' | 'post' | 'insights'

/** What a 429 that outlasted the retries means for each kind of request (the limits are per organization). */
const RATE_LIMIT_ADVICE: Record<RequestKind, string> = {
  post: 'the Usage API allows 10 new export jobs an hour and that limit is still exceeded after retries; wait an hour and rerun.',
  get: 'the Usage API allows 10 status checks a minute and that limit is still exceeded after retries; wait a few minutes and rerun.',
  insights: "CircleCI Insights' rate limit is still exceeded after retries; wait a few minutes and rerun.",
}

/**
 * The CircleCI Usage API: one configured got instance (token, JSON, timeouts, user agent), one pacer per org
 * and method so that everything polled at once shares the documented budget, and retries decided by
 * retryDecision with injectable sleeps.
 */
export class UsageApi {
  private readonly http: Got
  private readonly pacers = new Map<string, Pacer>()
  private readonly sleep: Sleep
  private readonly policy: RetryPolicy

  constructor(private readonly options: UsageApiOptions) {
    registerSecret(options.token)
    this.sleep = options.sleep ?? realSleep
    this.policy = options.retryPolicy ?? DEFAULT_RETRY_POLICY
    this.http = got.extend({
      prefixUrl: normalizeHost(options.host),
      headers: {'Circle-Token': options.token, 'user-agent': USER_AGENT, accept: 'application/json'},
      responseType: 'json',
      timeout: {request: options.requestTimeoutMs ?? 30_000},
      // Retries are ours (paced and with injectable sleeps); redirects could carry the token elsewhere.
      retry: {limit: 0},
      followRedirect: false,
    })
  }

  async createExportJob(orgId: string, request: CreateExportJobRequest): Promise<ExportJob> {
    const json: Record<string, unknown> = {start: request.start, end: request.end}
    if (request.sharedOrgIds.length > 0) json.shared_org_ids = [...request.sharedOrgIds]
    const response = await this.send('post', orgId, `create export job for ${request.start}..${request.end}`, () =>
      this.http.post(this.jobsPath(orgId), {json}),
    ).catch((error: unknown) => {
      throw sharedOrgsRefused(error, orgId, request.sharedOrgIds)
    })
    return parseExportJob(response.body)
  }

  async getExportJob(orgId: string, jobId: string): Promise<ExportJob> {
    const response = await this.send('get', orgId, `read export job ${jobId}`, () =>
      this.http.get(`${this.jobsPath(orgId)}/${encodeURIComponent(jobId)}`),
    )
    return parseExportJob(response.body, jobId)
  }

  /**
   * The organizations sharing `orgId`'s plan: GET /private/orgs/{id}/plan/shares-for, the endpoint CircleCI's
   * own multi-org usage script reads. Private (not in the public API reference), so the body is returned as
   * it came, for the caller to check. Same host, token, pacing and retry rules as the Usage API.
   */
  async getPlanShares(orgId: string): Promise<unknown> {
    const response = await this.send('get', orgId, 'list the organizations sharing the plan', () =>
      this.http.get(sharesForPath(orgId)),
    )
    return response.body
  }

  /**
   * One project's flaky tests from CircleCI Insights; the slug's segments are sent URL-encoded, and a slug with a
   * segment that would not stay one (`..`) is not sent. An answer over MAX_FLAKY_TESTS_BODY_BYTES is cut off.
   */
  async getFlakyTests(projectSlug: string): Promise<FlakyTestPage> {
    const segments = projectSlug.split('/')
    const what = `read the flaky tests of ${terminalSafe(projectSlug)}`
    if (!segments.every((segment) => isSlugSegment(segment))) {
      throw new BadInputError('E_API_BAD_REQUEST', `Did not ${what}: a segment of that slug is empty, \`.\` or \`..\`, or holds a \`/\` or a control character, so the request would not stay on the Insights path.`)
    }
    const path = `api/v2/insights/${segments.map((segment) => encodeURIComponent(segment)).join('/')}/flaky-tests`
    let tooLarge = false
    const response = await this.send('insights', projectSlug, what, () => {
      const request = this.http.get(path)
      request.on('downloadProgress', ({transferred}) => {
        if (transferred > MAX_FLAKY_TESTS_BODY_BYTES && !tooLarge) {
          tooLarge = true
          request.cancel()
        }
      })
      return request
    }).catch((error: unknown) => {
      if (!tooLarge) throw error
      throw new ApiError('E_API_BAD_RESPONSE', `Could not ${what}: the answer is larger than ${MAX_FLAKY_TESTS_BODY_BYTES / 1024 / 1024} MB, far more than a list of flaky tests, and was not read; check --host.`)
    })
    return parseFlakyTests(response.body)
  }

  /** How long the next POST for this org would wait for rate budget. */
  postWaitMs(orgId: string): number {
    return this.pacer('post', orgId).waitMs()
  }

  private jobsPath(orgId: string): string {
    return `api/v2/organizations/${encodeURIComponent(orgId)}/usage_export_job`
  }

  private pacer(method: RequestKind, orgId: string): Pacer {
    // The Usage API counts per organization; Insights reads of every project share one polite budget.
    const key = method === 'insights' ? method : `${method} ${orgId}`
    let pacer = this.pacers.get(key)
    if (pacer === undefined) {
      const rate =
        method === 'get' ? (this.options.getLimit ?? GET_LIMIT) : method === 'post' ? (this.options.postLimit ?? POST_LIMIT) : (this.options.insightsLimit ?? INSIGHTS_LIMIT)
      pacer = new Pacer(rate, this.options.clock, this.sleep, (ms) => {
        if (ms >= 5000) this.options.log?.(`Rate budget for ${method === 'insights' ? 'Insights GET' : method.toUpperCase()} used up; waiting ${(ms / 1000).toFixed(0)} s.`)
      })
      this.pacers.set(key, pacer)
    }
    return pacer
  }

  private async send(method: RequestKind, orgId: string, what: string, request: () => Promise<Response>): Promise<Response> {
    const pacer = this.pacer(method, orgId)
    // For the message: a status that is not retried fails after one attempt, not after the policy's maximum.
    let attempts = 0
    try {
      return await pRetry(
        async () => {
          attempts++
          await pacer.acquire()
          const response = await request()
          if (response.statusCode >= 300) throw new HTTPError(response)
          return response
        },
        {
          retries: this.policy.maxAttempts - 1,
          // The delay comes from retryDecision and is slept in onFailedAttempt (injectable), not by p-retry.
          minTimeout: 0,
          maxTimeout: 0,
          onFailedAttempt: async ({error, attemptNumber}) => {
            const decision = retryDecision(attemptNumber, error, undefined, this.options.clock(), this.policy)
            if (!decision.retry) throw error
            this.options.beforeRetryWait?.(decision.delayMs, `${what}: ${decision.reason}`)
            this.options.log?.(
              `${what}: ${decision.reason}, retrying in ${(decision.delayMs / 1000).toFixed(1)} s (attempt ${attemptNumber + 1} of ${this.policy.maxAttempts}).`,
            )
            await this.sleep(decision.delayMs)
          },
        },
      )
    } catch (error) {
      throw this.mapError(error, orgId, what, attempts, method)
    }
  }

  private mapError(error: unknown, orgId: string, what: string, attempts: number, method: RequestKind): Error {
    if (error instanceof CciUsageError) return error
    const response = (error as {response?: Response}).response
    const status = response?.statusCode
    // got's ParseError: the status was fine (a proxy's HTML page, a body cut short), the body is not JSON.
    if ((error as {code?: string}).code === 'ERR_BODY_PARSE_FAILURE') {
      return new ApiError('E_API_BAD_RESPONSE', `Could not ${what}: CircleCI answered HTTP ${status ?? '?'} with a body that is not JSON; retry later or check --host.`, {status})
    }
    if (status === 401 || status === 403) {
      return new AuthError(
        'E_AUTH',
        `CircleCI refused the token (HTTP ${status}) for organization ${orgId}: check --token/CIRCLECI_API_TOKEN is a valid personal API token with access to that organization.`,
        {status},
      )
    }
    if (status === 400) {
      return new BadInputError('E_API_BAD_REQUEST', `CircleCI rejected the request to ${what}: ${apiMessage(response) ?? 'HTTP 400'}.`, {status})
    }
    if (status === 404) {
      return new ApiError('E_API_NOT_FOUND', `Could not ${what}: not found (HTTP 404); check --org-id and --host.`, {status})
    }
    if (status === 429) {
      return new ApiError('E_API_RATE_LIMITED', `Could not ${what}: ${RATE_LIMIT_ADVICE[method]}`, {status})
    }
    if (status !== undefined && status >= 300 && status < 400) {
      // Not followed (the token would go with it) and not transient: the host is what is wrong, not the moment.
      return new ApiError('E_API_FAILED', `Could not ${what}: CircleCI answered a redirect (HTTP ${status}), which is not followed so that the token goes nowhere else; check --host (e.g. https://circleci.com).`, {status})
    }
    if (status !== undefined) {
      return new ApiError('E_API_FAILED', `Could not ${what}: HTTP ${status} after ${attempts} attempt${attempts === 1 ? '' : 's'}; retry later.`, {status})
    }
    const code = (error as {code?: string}).code ?? 'network error'
    return new ApiError('E_API_UNREACHABLE', `Could not ${what}: ${code} talking to ${normalizeHost(this.options.host)}; check --host and the network, then rerun.`, {code})
  }
}

/**
 * A 403 for a job with shared organizations may be about any of them: the token can read `orgId` (it is refused
 * only with them), so naming `orgId` alone sent users to check the wrong organization.
 */
function sharedOrgsRefused(error: unknown, orgId: string, sharedOrgIds: readonly string[]): unknown {
  if (!(error instanceof AuthError) || error.details?.status !== 403 || sharedOrgIds.length === 0) return error
  return new AuthError(
    'E_AUTH',
    `CircleCI refused the token (HTTP 403) for an export of organization ${orgId} with the shared organizations ${sharedOrgIds.join(', ')}: the token needs access to every one of them; leave out those it cannot read (--shared-org-id, or without --discover-shared-orgs) or use a token with access to all of them.`,
    error.details,
  )
}
