import type {Clock} from '../core/clock.js'

/** At most `limit` requests in any `windowMs` (a sliding window, as the Usage API counts). */
export interface RateLimit {
  limit: number
  windowMs: number
}

// The server stamps a request when it arrives, a little after we sent it; the margin keeps our window
// strictly wider than the server's so latency jitter cannot push an 11th request into its minute.
export const SAFETY_MARGIN_MS = 1000
export const GET_LIMIT: RateLimit = {limit: 10, windowMs: 60_000 + SAFETY_MARGIN_MS}
export const POST_LIMIT: RateLimit = {limit: 10, windowMs: 60 * 60_000 + SAFETY_MARGIN_MS}

/**
 * The earliest time (ms) a new request may be sent, given the send times of earlier ones. Pure.
 * A request sent at t occupies the window until t + windowMs.
 */
export function nextAllowedAt(history: readonly number[], now: number, rate: RateLimit): number {
  const inWindow = history.filter((sentAt) => sentAt > now - rate.windowMs).sort((a, b) => a - b)
  if (inWindow.length < rate.limit) return now
  // The oldest requests must leave the window until only limit-1 remain.
  return inWindow[inWindow.length - rate.limit] + rate.windowMs
}

export type Sleep = (ms: number) => Promise<void>

/** The longest a Pacer sleeps between two calls of its onWait (which logs the wait): 5 minutes. */
export const MAX_SILENT_WAIT_MS = 5 * 60_000

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))

/**
 * Async wrapper around nextAllowedAt: callers await acquire() before each request. Calls are served in order,
 * so every window polled at once shares one budget.
 */
export class Pacer {
  private readonly history: number[] = []
  private queue: Promise<void> = Promise.resolve()

  constructor(
    readonly rate: RateLimit,
    private readonly clock: Clock,
    private readonly sleep: Sleep,
    private readonly onWait?: (ms: number) => void,
  ) {}

  /** Resolves when a request may be sent, and records it as sent. */
  acquire(): Promise<void> {
    const turn = this.queue.then(() => this.take())
    this.queue = turn.catch(() => undefined)
    return turn
  }

  /** How long a request asked for now would wait (ignoring callers already queued). */
  waitMs(): number {
    const now = this.clock().getTime()
    return Math.max(0, nextAllowedAt(this.history, now, this.rate) - now)
  }

  /** Send times still inside the window (for tests and diagnostics). */
  recent(): number[] {
    return [...this.history]
  }

  private async take(): Promise<void> {
    for (;;) {
      const now = this.clock().getTime()
      const at = nextAllowedAt(this.history, now, this.rate)
      if (at <= now) {
        this.history.push(now)
        this.prune(now)
        return
      }
      this.onWait?.(at - now)
      // In steps of at most MAX_SILENT_WAIT_MS, each announced: a wait for the POST budget can last an hour, and a
      // CI step with no output for that long is killed (the orb's no_output_timeout is 60m).
      await this.sleep(Math.min(at - now, MAX_SILENT_WAIT_MS))
    }
  }

  private prune(now: number): void {
    while (this.history.length > 0 && this.history[0] <= now - this.rate.windowMs) this.history.shift()
  }
}
