/**
 * The longest CSV record (line, or quoted multi-line record) the tool reads: both the report's DuckDB reader and
 * the export's merge refuse longer ones, so a file the merge writes is always one the report can read. Usage
 * export rows are about 1 KB; a record this long is a damaged file or an unclosed quote.
 */
export const MAX_RECORD_BYTES = 1 << 20

export function describeBytes(bytes: number): string {
  if (bytes < 1 << 20) return `${Math.round(bytes / 1024)} KB`
  const mb = bytes / (1 << 20)
  return Number.isInteger(mb) ? `${mb} MB` : `${mb.toFixed(1)} MB`
}
