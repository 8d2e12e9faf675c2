import type {Clock} from '../core/clock.js'

export type RateDecision = {allowed: true} | {allowed: false; retryAfterSeconds: number}

/**
 * A sliding-window limiter per key (the API limits per org): at most `limit` accepted requests within any
 * `windowMs` on the clock. Rejected requests do not count, so a client that honours Retry-After gets through.
 */
export function createSlidingWindowLimiter(limit: number, windowMs: number, clock: Clock) {
  const accepted = new Map<string, number[]>()
  return {
    take(key: string): RateDecision {
      const now = clock().getTime()
      const recent = (accepted.get(key) ?? []).filter((at) => at > now - windowMs)
      if (recent.length >= limit) {
        accepted.set(key, recent)
        const freesAt = recent[recent.length - limit] + windowMs
        return {allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((freesAt - now) / 1000))}
      }
      recent.push(now)
      accepted.set(key, recent)
      return {allowed: true}
    },
  }
}

export type SlidingWindowLimiter = ReturnType<typeof createSlidingWindowLimiter>
