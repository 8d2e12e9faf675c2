import {GET_LIMIT, MAX_SILENT_WAIT_MS, nextAllowedAt, Pacer, POST_LIMIT, type RateLimit} from '../../src/api/pacer.js'

const rate: RateLimit = {limit: 3, windowMs: 60_000}

describe('nextAllowedAt', () => {
  it('allows immediately while the window has room', () => {
    expect(nextAllowedAt([], 1000, rate)).toBe(1000)
    expect(nextAllowedAt([0, 500], 1000, rate)).toBe(1000)
  })

  it('waits until the oldest request leaves the window', () => {
    expect(nextAllowedAt([0, 10_000, 20_000], 30_000, rate)).toBe(60_000)
  })

  it('ignores requests older than the window and accepts unsorted history', () => {
    expect(nextAllowedAt([20_000, -70_000, 10_000, 0], 30_000, rate)).toBe(60_000)
    expect(nextAllowedAt([-70_000, -65_000, 10_000], 30_000, rate)).toBe(30_000)
  })
})

function fakeTime(startMs = 0) {
  let now = startMs
  return {
    clock: () => new Date(now),
    sleep: async (ms: number) => {
      now += ms
    },
    advance: (ms: number) => {
      now += ms
    },
    now: () => now,
  }
}

describe('Pacer', () => {
  it('never lets more than the limit through in any window, even with many callers at once', async () => {
    const time = fakeTime()
    const pacer = new Pacer(GET_LIMIT, time.clock, time.sleep)
    const sentAt: number[] = []
    await Promise.all(
      Array.from({length: 35}, async () => {
        await pacer.acquire()
        sentAt.push(time.now())
      }),
    )
    expect(sentAt).toHaveLength(35)
    for (const t of sentAt) {
      const inMinute = sentAt.filter((other) => other >= t && other < t + 60_000).length
      expect(inMinute).toBeLessThanOrEqual(10)
    }
  })

  it('does not wait when there is budget', async () => {
    const time = fakeTime(5_000)
    const pacer = new Pacer(GET_LIMIT, time.clock, time.sleep)
    for (let i = 0; i < 10; i++) {
      await pacer.acquire()
      time.advance(6_000)
    }
    // Ten polls 6 s apart fit the budget: the eleventh waits only for the first to age out.
    expect(time.now()).toBe(5_000 + 60_000)
    await pacer.acquire()
    expect(time.now()).toBe(5_000 + GET_LIMIT.windowMs)
  })

  it('announces a long wait (the POST budget: an hour) at least every 5 minutes, so a CI step never sits silent for its no_output_timeout', async () => {
    const time = fakeTime()
    const waits: number[] = []
    const sleeps: number[] = []
    const pacer = new Pacer(POST_LIMIT, time.clock, async (ms) => {
      sleeps.push(ms)
      await time.sleep(ms)
    }, (ms) => waits.push(ms))
    for (let i = 0; i < 10; i++) await pacer.acquire()
    await pacer.acquire()
    // The eleventh POST waits for the first to leave the hour's window, as before...
    expect(time.now()).toBe(POST_LIMIT.windowMs)
    // ...but in steps of at most 5 minutes, each announced, never one silent sleep of an hour.
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(MAX_SILENT_WAIT_MS)
    expect(waits).toHaveLength(sleeps.length)
    expect(waits.length).toBeGreaterThanOrEqual(Math.ceil(POST_LIMIT.windowMs / MAX_SILENT_WAIT_MS))
  })
})
