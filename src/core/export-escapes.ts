/**
 * The export's escapes. CircleCI writes the usage CSV unquoted, with a backslash before a byte that would
 * otherwise end a field or a row (the CSV unload's ESCAPE_UNENCLOSED_FIELD, a backslash by default), and before
 * a backslash of a name: a job named `build (x86, linux)` arrives as `build (x86\, linux)` and a branch `a\b` as
 * `a\\b`. The null token `\\N` is the escaped form of `\N`, which is why it has two backslashes; it is matched on
 * the field as written, before any unescaping. CircleCI's own analysis scripts read the export the same way
 * (pandas `escapechar="\\"`, `na_values=["\\N"]`).
 *
 * Every reader applies the rule: RecordSplitter (export merge, Postgres load) does not split at an escaped comma
 * or line break, and the names are unescaped wherever they are stored or shown (the report's work table, the
 * lake, the Postgres table). Only the columns of names people choose can hold an escape; CircleCI's own values
 * (ids, statuses, resource classes, times, numbers) never do, and are read as written.
 */

/** The export's columns of names that people or their git host choose, the only ones that can hold an escape. */
export const NAME_COLUMNS: ReadonlySet<string> = new Set(['ORGANIZATION_NAME', 'PROJECT_NAME', 'VCS_URL', 'VCS_BRANCH', 'WORKFLOW_NAME', 'JOB_NAME'])

const ESCAPE_CHAR = '\\'

/** `value` with every escape removed: a backslash and the character after it become that character. */
export function unescapeText(value: string): string {
  return value.includes(ESCAPE_CHAR) ? value.replace(/\\([\s\S])/g, '$1') : value
}

/** SQL: whether the VARCHAR expression `column` holds a backslash (a byte search). */
export function holdsEscapeSql(column: string): string {
  return String.raw`contains(${column}, '\')`
}

/** SQL: the VARCHAR expression `column` unescaped. Only values that hold a backslash pay for the regular expression. */
export function unescapeSql(column: string): string {
  return String.raw`CASE WHEN ${holdsEscapeSql(column)} THEN regexp_replace(${column}, '\\(.)', '\1', 'gs') ELSE ${column} END`
}
