/**
 * Opt-in phase timing for finding where a report's time goes: with CCI_USAGE_PROFILE=1 every `phase(label)`
 * prints `phase: <label> N ms (at T ms, rss R MB)` to stderr, N being the time since the previous phase.
 * The first phase's N includes node start-up and module loading: performance.now() counts from process start.
 * Off (the default) it costs one boolean test per call.
 */
import {performance} from 'node:perf_hooks'

const enabled = process.env.CCI_USAGE_PROFILE === '1'
let previous = 0

export function phase(label: string): void {
  if (!enabled) return
  const now = performance.now()
  const rssMb = Math.round(process.memoryUsage.rss() / 1048576)
  process.stderr.write(`phase: ${label} ${Math.round(now - previous)} ms (at ${Math.round(now)} ms, rss ${rssMb} MB)\n`)
  previous = now
}
