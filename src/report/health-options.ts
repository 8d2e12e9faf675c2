import type {FlakyTestSession, InsightsTarget} from '../api/insights.js'
import {normalizeHost} from '../api/host.js'
import {parseDefaultBranchRules} from '../analysis/health/branches.js'
import type {Clock} from '../core/clock.js'
import type {HealthHookOptions} from './hooks.js'

/**
 * The health section's options from the report flags, checked before any data is read or exported: a bad
 * --default-branch or --host fails at once, not after the scan. `insights` is where --flaky-tests reads from
 * (null: no flaky tests).
 */
export function healthOptionsFromFlags(
  flags: {'default-branch'?: string[]},
  insights: InsightsTarget | null,
  context: {clock: Clock; log?: (line: string) => void; warn: (line: string) => void},
): HealthHookOptions {
  const target = insights === null || insights === 'demo' ? insights : {...insights, host: normalizeHost(insights.host)}
  return {
    defaultBranches: parseDefaultBranchRules(flags['default-branch'] ?? []),
    flakyTests: target === null ? null : lazyFlakyTestSession(target, {clock: context.clock, log: context.log}),
    warn: context.warn,
  }
}

/** The Insights client (got) is loaded only when the flaky tests are read, not with every report. */
function lazyFlakyTestSession(target: InsightsTarget, options: {clock: Clock; log?: (line: string) => void}): FlakyTestSession {
  return async (work) => {
    const {flakyTestSession} = await import('../api/insights.js')
    return flakyTestSession(target, options)(work)
  }
}
