/**
 * The report's order of names (Health's tables, and the ties of savings and anomalies): by UTF-16 code units, null
 * first. The same on every machine, unlike a locale's (localeCompare follows LANG: under sv_SE "ä" sorts after
 * "z"), so that ties (equal credits, DuckDB's unordered groups) come out alike on every run.
 */
export function compareText(a: string | null, b: string | null): number {
  if (a === b) return 0
  if (a === null) return -1
  if (b === null) return 1
  return a < b ? -1 : 1
}
