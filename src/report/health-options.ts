import {flakyTestSession, type InsightsTarget} from '../api/insights.js'
import {normalizeHost} from '../api/client.js'
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
    flakyTests: target === null ? null : flakyTestSession(target, {clock: context.clock, log: context.log}),
    warn: context.warn,
  }
}
