/** Exact micro-credits, most first (0 when equal, for a tie-breaker to follow). */
export function mostCreditsFirst(a: bigint, b: bigint): number {
  return b > a ? 1 : b < a ? -1 : 0
}
