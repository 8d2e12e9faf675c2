import {DEFAULT_RETRY_POLICY, parseRetryAfter, retryDecision, type RetryPolicy} from '../../src/api/retry.js'

const now = new Date('2024-11-20T12:00:00Z')
const policy: RetryPolicy = {...DEFAULT_RETRY_POLICY, random: () => 0.5}

describe('retryDecision', () => {
  it('honours Retry-After seconds on 429', () => {
    const decision = retryDecision(1, 429, {'Retry-After': '7'}, now, policy)
    expect(decision.retry).toBe(true)
    expect(decision.delayMs).toBeGreaterThanOrEqual(7000)
    expect(decision.delayMs).toBeLessThan(8000)
  })

  it('honours Retry-After as an HTTP date', () => {
    const header = new Date(now.getTime() + 20_000).toUTCString()
    const decision = retryDecision(1, 429, {'retry-after': header}, now, policy)
    expect(decision.delayMs).toBeGreaterThanOrEqual(20_000)
    expect(decision.delayMs).toBeLessThan(21_000)
  })

  it('reads Retry-After from an error response when no headers are passed', () => {
    const error = {response: {statusCode: 429, headers: {'retry-after': '3'}}}
    expect(retryDecision(1, error, undefined, now, policy).delayMs).toBeGreaterThanOrEqual(3000)
  })

  it('backs off exponentially with jitter on 429 without Retry-After', () => {
    const first = retryDecision(1, 429, {}, now, policy)
    const third = retryDecision(3, 429, {}, now, policy)
    expect(first.retry && third.retry).toBe(true)
    expect(third.delayMs).toBeGreaterThan(first.delayMs)
    const low = retryDecision(2, 429, {}, now, {...policy, random: () => 0})
    const high = retryDecision(2, 429, {}, now, {...policy, random: () => 0.999})
    expect(low.delayMs).toBeLessThan(high.delayMs)
    expect(high.delayMs).toBeLessThanOrEqual(2 * low.delayMs)
  })

  it('caps the backoff', () => {
    expect(retryDecision(5, 503, {}, now, {...policy, maxAttempts: 50}).delayMs).toBeLessThanOrEqual(policy.maxDelayMs)
    expect(retryDecision(40, 503, {}, now, {...policy, maxAttempts: 50}).delayMs).toBeLessThanOrEqual(policy.maxDelayMs)
  })

  it.each([500, 502, 503, 504, 408])('retries HTTP %s', (status) => {
    expect(retryDecision(1, status, {}, now, policy).retry).toBe(true)
  })

  it.each(['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'EPIPE', 'EAI_AGAIN'])('retries network error %s', (code) => {
    expect(retryDecision(1, Object.assign(new Error('boom'), {code}), undefined, now, policy)).toMatchObject({retry: true, reason: code})
  })

  it.each([400, 401, 403, 404, 422])('never retries HTTP %s', (status) => {
    expect(retryDecision(1, status, {'retry-after': '1'}, now, policy).retry).toBe(false)
  })

  it('does not retry unknown errors, unless the caller says the code is transient', () => {
    const corrupt = Object.assign(new Error('bad gzip'), {code: 'E_PART_CORRUPT'})
    expect(retryDecision(1, corrupt, undefined, now, policy).retry).toBe(false)
    expect(retryDecision(1, corrupt, undefined, now, {...policy, extraRetryableCodes: ['E_PART_CORRUPT']}).retry).toBe(true)
    expect(retryDecision(1, new Error('no code'), undefined, now, policy).retry).toBe(false)
  })

  it('stops after the last attempt', () => {
    expect(retryDecision(policy.maxAttempts, 503, {}, now, policy).retry).toBe(false)
    expect(retryDecision(policy.maxAttempts - 1, 503, {}, now, policy).retry).toBe(true)
  })

  it('gives up on a Retry-After longer than the policy allows', () => {
    expect(retryDecision(1, 429, {'retry-after': String(24 * 3600)}, now, policy).retry).toBe(false)
  })
})

describe('parseRetryAfter', () => {
  it('returns undefined for missing or unreadable values', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined()
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter('1.5', now)).toBe(1500)
  })
})
