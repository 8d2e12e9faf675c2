/**
 * Where `--flaky-tests` reads from: the real API with the export's credentials (host and token only, the token
 * goes nowhere else), or the embedded simulator for --demo.
 */
import type {Clock} from '../core/clock.js'
import {withDemoApi} from '../export/demo.js'
import type {ApiCredentials} from '../export/flags.js'
import {UsageApi} from './client.js'
import type {FlakyTestFetch} from './flaky-tests.js'
import type {RateLimit, Sleep} from './pacer.js'
import {DEFAULT_RETRY_POLICY, type RetryPolicy} from './retry.js'

/**
 * Flaky tests are an extra of the report, not its data: three attempts (a 429's Retry-After honoured up to a
 * minute) rather than the export's six with waits of up to an hour, so an Insights outage costs seconds a project.
 */
export const INSIGHTS_RETRY_POLICY: RetryPolicy = {...DEFAULT_RETRY_POLICY, maxAttempts: 3, maxRetryAfterMs: 60_000}

/** Runs `work` with a fetch bound to one API target, set up before and torn down after (the demo's simulator). */
export type FlakyTestSession = <T>(work: (fetch: FlakyTestFetch) => Promise<T>) => Promise<T>

/** Where flaky tests are read: the real API with the export's credentials, or the embedded simulator. */
export type InsightsTarget = Pick<ApiCredentials, 'host' | 'token'> | 'demo'

export function flakyTestSession(target: InsightsTarget, options: {clock: Clock; log?: (line: string) => void; sleep?: Sleep}): FlakyTestSession {
  const bound = (host: string, token: string, limit?: RateLimit): FlakyTestFetch => {
    const api = new UsageApi({host, token, clock: options.clock, sleep: options.sleep, log: options.log, insightsLimit: limit, retryPolicy: INSIGHTS_RETRY_POLICY})
    return (slug) => api.getFlakyTests(slug)
  }
  if (target === 'demo') {
    // The simulator answers at once and has no limit to respect; pacing it would only slow the demo down. Its
    // flaky tests do not depend on its usage rows, so it starts with the smallest dataset (the export's is gone).
    return (work) => withDemoApi((api) => work(bound(api.host, api.token, {limit: 100, windowMs: 1000})), options.clock, {demoRowsPerDay: 1})
  }
  return (work) => work(bound(target.host, target.token))
}
