/**
 * --discover-shared-orgs: asks CircleCI which organizations share the primary organization's plan, so that one
 * export covers all of them without anyone typing their ids. The endpoint is private (CircleCI's own
 * multi-org script uses it), so nothing here may fail a run: a refusal, a missing endpoint, a timeout or an
 * answer of another shape is a warning, and the export goes on with the ids given.
 */
import {normalizeHost, sharesForPath, UsageApi} from '../api/client.js'
import {DEFAULT_RETRY_POLICY, type RetryPolicy} from '../api/retry.js'
import type {Clock} from '../core/clock.js'
import {CciUsageError} from '../core/errors.js'
import {terminalSafe} from '../core/terminal-safe.js'
import type {PlanOrg} from '../analysis/shared-plan.js'

export type {PlanOrg} from '../analysis/shared-plan.js'

// An id goes into the export request and the resume command: anything but a plain token is not an id.
const ORG_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/

/** The organizations in a shares-for answer, or null when it is not `{"orgs": [{"id", "name", "vcs_type"}, ...]}`. */
export function parseSharesFor(body: unknown): PlanOrg[] | null {
  const orgs = (body as {orgs?: unknown} | null)?.orgs
  if (typeof body !== 'object' || body === null || !Array.isArray(orgs)) return null
  const parsed: PlanOrg[] = []
  for (const item of orgs) {
    const org = item as {id?: unknown; name?: unknown; vcs_type?: unknown} | null
    if (typeof org !== 'object' || org === null || typeof org.id !== 'string' || !ORG_ID.test(org.id)) return null
    parsed.push({
      id: org.id,
      name: typeof org.name === 'string' && org.name.trim() !== '' ? org.name : null,
      vcsType: typeof org.vcs_type === 'string' && org.vcs_type.trim() !== '' ? org.vcs_type : null,
    })
  }
  return parsed
}

/** The shared ids to export: those given, then those found, each once, never the primary org itself. */
export function mergeSharedOrgIds(primaryOrgId: string, given: readonly string[], found: readonly PlanOrg[]): string[] {
  return [...new Set([...given, ...found.map((org) => org.id)])].filter((id) => id !== primaryOrgId)
}

export interface DiscoveryOptions {
  host: string
  token: string
  orgId: string
  clock: Clock
  log: (line: string) => void
  warn: (line: string) => void
  sleep?: (ms: number) => Promise<void>
  retryPolicy?: RetryPolicy
  requestTimeoutMs?: number
}

/**
 * Asks the endpoint once (with the usual retries for 429/5xx/network errors, at most three tries: a private
 * endpoint that keeps failing is not worth the export's --timeout). Returns the organizations listed, or null
 * when the answer could not be used (already warned about).
 */
export async function discoverSharedOrgs(options: DiscoveryOptions): Promise<PlanOrg[] | null> {
  const path = `/${sharesForPath(options.orgId)}`
  options.log(
    `Asking ${normalizeHost(options.host)} which organizations share the plan of ${options.orgId} (GET ${path}; this endpoint is not part of CircleCI's public API and may change or disappear).`,
  )
  const policy = options.retryPolicy ?? DEFAULT_RETRY_POLICY
  const api = new UsageApi({
    host: options.host,
    token: options.token,
    clock: options.clock,
    sleep: options.sleep,
    log: options.log,
    retryPolicy: {...policy, maxAttempts: Math.min(3, policy.maxAttempts)},
    requestTimeoutMs: options.requestTimeoutMs ?? 20_000,
  })
  const carryOn = 'continuing with the organizations given (--shared-org-id)'
  let body: unknown
  try {
    body = await api.getPlanShares(options.orgId)
  } catch (error) {
    const status = error instanceof CciUsageError ? error.details?.status : undefined
    const code = error instanceof CciUsageError ? error.details?.code : (error as {code?: unknown})?.code
    const why = typeof status === 'number' ? `HTTP ${status}` : typeof code === 'string' ? code : 'no answer'
    options.warn(`could not discover the organizations sharing the plan (${why} from GET ${path}); ${carryOn}.`)
    return null
  }
  const orgs = parseSharesFor(body)
  if (orgs === null) {
    options.warn(`GET ${path} answered HTTP 200 with an unexpected shape (expected {"orgs": [{"id", "name", "vcs_type"}]}); ${carryOn}.`)
    return null
  }
  const others = orgs.filter((org) => org.id !== options.orgId)
  // Names from the API reach the log: control characters would let one rewrite the terminal.
  options.log(
    others.length === 0
      ? `No other organization shares the plan of ${options.orgId}.`
      : `The plan is shared with ${others.length} organization(s): ${others.map((org) => terminalSafe(`${org.name ?? '(no name)'} (${org.id}${org.vcsType ? `, ${org.vcsType}` : ''})`)).join(', ')}.`,
  )
  return orgs
}
