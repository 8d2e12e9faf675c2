/**
 * The report's orders (Health's, and the ties of savings and anomalies). Names compare by UTF-16 code units, null
 * first: the same on every machine, unlike a locale's (localeCompare follows LANG: under sv_SE "ä" sorts after
 * "z"), so that ties (equal credits, DuckDB's unordered groups) come out alike on every run.
 */
export function compareText(a: string | null, b: string | null): number {
  if (a === b) return 0
  if (a === null) return -1
  if (b === null) return 1
  return a < b ? -1 : 1
}

/** Exact micro-credits, most first (0 when equal, for a tie-breaker to follow). */
export function mostCreditsFirst(a: bigint, b: bigint): number {
  return b > a ? 1 : b < a ? -1 : 0
}
