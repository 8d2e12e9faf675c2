import type {Clock} from '../core/clock.js'
import type {FlakyTestTable} from './flaky-tests.js'

export interface SimulatorOptions {
  /** 'demo' (default): deterministic generated data; or a CSV/CSV.GZ file in the real dialect to serve (the golden test). */
  dataset?: 'demo' | {file: string}
  /** Number of gzip parts each completed job is split into (default 3; rows split evenly, each part has the header). */
  parts?: number
  /** "now" for validation and for the demo data's date range (default systemClock). */
  clock?: Clock
  /** GETs of a job that answer `created` then `processing` before `completed` (default 2: created, processing, completed). */
  pendingPolls?: number
  /** The accepted Circle-Token (default 'demo-token'). */
  token?: string
  /** Orgs the token may export (default: the dataset's org ids); others -> 403. */
  orgIds?: string[]
  /** Default {10, 10}, per org; exceeded -> 429 with Retry-After (seconds). */
  rateLimits?: {postPerHour: number; getPerMinute: number}
  /** Presigned URL lifetime (default 600), measured on the clock. */
  urlTtlSeconds?: number
  faults?: Fault[]
  /** Demo data seed (default 42). */
  seed?: number
  /** Demo data size (default 150 rows/day on average). */
  demoRowsPerDay?: number
  /** How the private shares-for endpoint answers; default: the primary org shares its plan with the others. */
  sharesFor?: SharesForBehaviour
  /**
   * What GET /api/v2/insights/{slug}/flaky-tests answers, keyed by slug or repository name (default: the demo's
   * DEMO_FLAKY_TESTS with the demo dataset, nothing for a file dataset). Unlisted projects have no flaky tests.
   */
  flakyTests?: FlakyTestTable
}

/** `status`: answer it (e.g. 404) instead; `body`: answer 200 with it (an unexpected shape); `delayMs`: answer late. */
export interface SharesForBehaviour {
  status?: number
  body?: unknown
  delayMs?: number
}

/** What a request fault hits: job POSTs, job GETs, part downloads, or Insights' flaky-test reads. */
export type FaultTarget = 'post' | 'get' | 'download' | 'insights'

/**
 * `times` = how many times the fault fires before behaving normally (default 1 for request faults).
 * `part` = 0-based part index (default 0). Job-level faults (job-failed, no-urls, never-complete,
 * header-mismatch, ragged-row) apply to every job unless `times` limits them to the first N jobs created.
 */
export type Fault =
  | {type: 'rate-limit'; on: FaultTarget; retryAfter?: number | null; times?: number}
  | {type: 'server-error'; on: FaultTarget; status?: number; times?: number}
  | {type: 'network-reset'; on: FaultTarget; times?: number}
  | {type: 'truncate-part'; part?: number; times?: number}
  | {type: 'expired-url'; part?: number; times?: number}
  | {type: 'job-failed'; errorReason?: string; times?: number}
  | {type: 'no-urls'; times?: number}
  | {type: 'never-complete'; times?: number}
  | {type: 'header-mismatch'; part?: number; times?: number}
  | {type: 'ragged-row'; part?: number; times?: number}

export interface RecordedRequest {
  server: 'api' | 'download'
  method: string
  /** Path without the query string (a download's query is its credential). */
  path: string
  /** 0 when the simulator destroyed the socket instead of answering. */
  status: number
  hadCircleToken: boolean
  hadAuthorization: boolean
  at: Date
}

export interface SimulatorJob {
  id: string
  orgId: string
  start: string
  end: string
  state: string
  rows: number
}

export interface Simulator {
  /** e.g. http://127.0.0.1:40123 (the client appends /api/v2/...). */
  apiUrl: string
  /** A DIFFERENT origin (own server on another port), e.g. http://127.0.0.1:40124. */
  downloadOrigin: string
  token: string
  requests: RecordedRequest[]
  jobs(): SimulatorJob[]
  /** The rows the simulator will serve for [start, end] (inclusive) as CSV text lines without header. */
  expectedRows(orgIds: string[], start: Date, end: Date): string[]
  /** The column names it serves. */
  header: string[]
  /** The dataset's org ids; for the demo dataset the primary org (the one to export, sharing its plan with the others) is first. */
  datasetOrgIds: string[]
  close(): Promise<void>
}
