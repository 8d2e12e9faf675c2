import type {DuckDBValue, JS as DuckDBValueJS} from '@duckdb/node-api'

import {queryUsage, type UsageSource} from './engine.js'
import {ORG_SQL, runMsSql, sqlIdent} from './columns.js'
import {numberToCredits} from './build.js'
import {CciUsageError} from '../core/errors.js'

/**
 * Every figure of a report comes from ONE scan of the export (into its narrow copy, report_rows: report-rows.ts),
 * in two levels:
 * 1. one query groups that copy's rows (or, with a history, the export's rollup) into a small "cube" table with
 *    GROUPING SETS, one per part (CUBE_PARTS below);
 * 2. each breakdown, for the current or the previous window, is a GROUP BY over the cube (milliseconds).
 * Measured on a 1 GB export when the cube was still grouped straight from the CSV, this took ~5 s against ~13 s
 * for one GROUPING SETS query with all eleven breakdowns as sets. Credits come back as exact integers of
 * micro-credits (DECIMAL(38,6) scaled), so sums and "other" rows never lose a credit.
 */
export const DIMENSIONS = ['org', 'project', 'workflow', 'job', 'branch', 'resource_class', 'executor', 'day', 'status'] as const
export type Dimension = (typeof DIMENSIONS)[number]

export const GROUPING_SETS = {
  total: [],
  org: ['org'],
  project: ['org', 'project'],
  workflow: ['org', 'project', 'workflow'],
  job: ['org', 'project', 'workflow', 'job'],
  branch: ['org', 'project', 'branch'],
  resourceClass: ['resource_class'],
  executor: ['executor'],
  day: ['day'],
  dayProject: ['day', 'org', 'project'],
  status: ['status'],
} as const satisfies Record<string, readonly Dimension[]>

export type GroupingSetName = keyof typeof GROUPING_SETS

/** Sums of one group. Credits in micro-credits (bigint) so that they add up exactly. */
export interface Measures {
  credits: bigint
  rows: number
  jobs: number
  /** Run time in whole milliseconds (runMsSql), so that sums are exact in any order. */
  runMs: number
  failedCredits: bigint
  failedJobs: number
  failedRows: number
  failedRunMs: number
  // Count of non-null JOB_RUN_SECONDS, so averages skip missing values and stay additive across groups.
  runSecondsCount: number
  /** Per-column sums: only on the `total` set (the Summary shows them for the whole window only). */
  creditColumns?: CreditColumnSums
}

export interface CreditColumnSums {
  compute: bigint
  dlc: bigint
  user: bigint
  storage: bigint
  network: bigint
  lease: bigint
  leaseOverage: bigint
  ipranges: bigint
  other: bigint
  total: bigint
}

export interface Group extends Measures {
  set: GroupingSetName
  dims: Partial<Record<Dimension, string | null>>
}

/** A UTC day range, start inclusive, end exclusive, as YYYY-MM-DD. */
export interface DayRange {
  start: string
  end: string
}

const DIMENSION_SQL: Record<Dimension, string> = {
  org: ORG_SQL,
  project: 'PROJECT_NAME',
  workflow: 'WORKFLOW_NAME',
  job: 'JOB_NAME',
  branch: 'VCS_BRANCH',
  resource_class: 'RESOURCE_CLASS',
  executor: 'EXECUTOR',
  day: 'JOB_RUN_DATE',
  status: 'JOB_BUILD_STATUS',
}

const CREDIT_COLUMN_SQL: Record<keyof CreditColumnSums, string> = {
  compute: 'COMPUTE_CREDITS',
  dlc: 'DLC_CREDITS',
  user: 'USER_CREDITS',
  storage: 'STORAGE_CREDITS',
  network: 'NETWORK_CREDITS',
  lease: 'LEASE_CREDITS',
  leaseOverage: 'LEASE_OVERAGE_CREDITS',
  ipranges: 'IPRANGES_CREDITS',
  other: 'OTHER_CREDITS',
  total: 'TOTAL_CREDITS',
}

/**
 * The cube's three parts, each a grouping set holding every row once. Each breakdown needs only a few of the
 * dimensions together, and failed-vs-not is all the breakdowns ask of the status (except the status breakdown
 * itself), so no part keeps all of them: on a 1 GB export this made 143k groups instead of 240k (one set of
 * org x project x workflow x job x resource class x executor x day x status), and a faster scan.
 * - main: the org/project/workflow/job breakdowns and projects by day;
 * - dims: the small dimensions (resource class, executor, status, day), also the total;
 * - branch: branches multiply the groups (branch x day ran out of a 250 MB memory limit on 1 GB) and are only
 *   reported for the current window, so this part keeps a window flag instead of the day.
 */
const CUBE_PARTS = {
  main: ['org', 'project', 'workflow', 'job', 'day', 'failed'],
  dims: ['resource_class', 'executor', 'status', 'failed', 'day'],
  branch: ['org', 'project', 'branch', 'failed', 'in_window'],
} as const
type CubePart = keyof typeof CUBE_PARTS
const CUBE_PART_IDS: Record<CubePart, number> = {main: 0, dims: 1, branch: 2}

function cubePartOf(set: GroupingSetName): CubePart {
  const dimensions: readonly Dimension[] = GROUPING_SETS[set]
  if (dimensions.includes('branch')) return 'branch'
  const inDims = (dimension: Dimension) => (CUBE_PARTS.dims as readonly string[]).includes(dimension)
  return dimensions.every(inDims) ? 'dims' : 'main'
}

function dateLiteral(day: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`not a YYYY-MM-DD day: ${day}`)
  return `DATE '${day}'`
}

/**
 * How the cube counts rows, jobs and run time: from export rows, or from a history's rollup rows, which carry
 * those counts already (history/rollup.ts: ROWS, JOBS, RUN_SECONDS, RUN_SECONDS_COUNT; credits are summed the same).
 * A rollup's RUN_SECONDS is a group's exact milliseconds over 1000 (or, from an older version, a DOUBLE sum),
 * read back to whole milliseconds before it is summed.
 */
const ROW_MEASURES = {
  base: `${runMsSql('JOB_RUN_SECONDS')} AS run_ms`,
  rows: 'COUNT(*)',
  jobs: 'COUNT(job)',
  runMs: 'COALESCE(SUM(run_ms), 0)',
  runSecondsCount: 'COUNT(run_ms)',
}
// Counts are cast back to BIGINT, what COUNT gives: SUM of BIGINT is a 128-bit HUGEINT, which made every
// breakdown over the cube several times slower.
const ROLLUP_MEASURES: typeof ROW_MEASURES = {
  base: `ROWS AS n_rows, JOBS AS n_jobs, ${runMsSql('RUN_SECONDS')} AS n_run_ms, RUN_SECONDS_COUNT AS n_run_seconds_count`,
  rows: 'CAST(COALESCE(SUM(n_rows), 0) AS BIGINT)',
  jobs: 'CAST(COALESCE(SUM(n_jobs), 0) AS BIGINT)',
  runMs: 'COALESCE(SUM(n_run_ms), 0)',
  runSecondsCount: 'CAST(COALESCE(SUM(n_run_seconds_count), 0) AS BIGINT)',
}

/**
 * Level 1: the rows of `view` (report_rows, a rollup, or the export's view) grouped into `cube`, with `filterSql`
 * applied. `current` is
 * the report window when it is known before the scan (--since/--until), else every row is in the window.
 * `preAggregated`: `view` holds rollup rows (a history) instead of export rows.
 */
export function buildCubeSql(
  view: string,
  cube: string,
  filterSql: string | undefined,
  current: DayRange | null,
  database?: string,
  options: {segmentSql?: string; preAggregated?: boolean; part?: CubePart} = {},
): string {
  const {segmentSql, part: onePart} = options
  const measures = options.preAggregated ? ROLLUP_MEASURES : ROW_MEASURES
  const dims = [...DIMENSIONS.map((dimension) => `${DIMENSION_SQL[dimension]} AS ${dimension}`), ...(segmentSql ? [`${segmentSql} AS segment`] : [])]
  const creditColumns = Object.entries(CREDIT_COLUMN_SQL).map(([name, column]) => `${column} AS c_${name}`)
  const inWindow = current ? `(JOB_RUN_DATE >= ${dateLiteral(current.start)} AND JOB_RUN_DATE < ${dateLiteral(current.end)})` : 'TRUE'
  // NULL when the status is: neither failed nor not, as `status = 'failed'` was in the breakdowns' filters.
  const failed = `(${DIMENSION_SQL.status} = 'failed')`
  const base = `SELECT ${dims.join(', ')}, ${failed} AS failed, ${inWindow} AS in_window, ${creditColumns.join(', ')}, ${measures.base} FROM ${sqlIdent(view)}${filterSql ? ` WHERE ${filterSql}` : ''}`
  const table = database ? `${sqlIdent(database)}.${sqlIdent(cube)}` : sqlIdent(cube)
  // One part alone goes after the first (main, which creates the table) with an INSERT, its other columns NULL as
  // GROUPING SETS leaves them.
  const target = onePart && onePart !== 'main' ? `INSERT INTO ${table}` : `CREATE OR REPLACE ${database ? '' : 'TEMP '}TABLE ${table} AS`
  const grouped = (column: string) => !onePart || column === 'segment' || (CUBE_PARTS[onePart] as readonly string[]).includes(column)
  const nullOf = (column: string) => `CAST(NULL AS ${column === 'day' ? 'DATE' : column === 'in_window' ? 'BOOLEAN' : 'VARCHAR'}) AS ${column}`
  const columns = [...DIMENSIONS, ...(segmentSql ? ['segment'] : []), 'failed', 'in_window'].map((column) => (grouped(column) ? column : nullOf(column)))
  const part = onePart
    ? `CAST(${CUBE_PART_IDS[onePart]} AS TINYINT)`
    : `CAST(CASE WHEN GROUPING(branch) = 0 THEN ${CUBE_PART_IDS.branch} WHEN GROUPING(resource_class) = 0 THEN ${CUBE_PART_IDS.dims} ELSE ${CUBE_PART_IDS.main} END AS TINYINT)`
  const sets = Object.entries(CUBE_PARTS)
    .filter(([name]) => !onePart || name === onePart)
    .map(([, dimensions]) => [...dimensions, ...(segmentSql ? ['segment'] : [])].join(', '))
  return `${target}
WITH base AS (${base})
SELECT ${part} AS cube_part, ${columns.join(', ')},
  ${measures.rows} AS rows, ${measures.jobs} AS jobs, ${measures.runMs} AS run_ms, ${measures.runSecondsCount} AS run_seconds_count,
  ${Object.keys(CREDIT_COLUMN_SQL).map((name) => `COALESCE(SUM(c_${name}), 0) AS c_${name}`).join(', ')}
FROM base
GROUP BY ${onePart ? sets[0] : `GROUPING SETS (${sets.map((set) => `(${set})`).join(', ')})`}`
}

/**
 * An exact DECIMAL(38,6) sum as a whole number of micro-credits (HUGEINT), which the column-wise JS conversion reads
 * as a bigint: no decimal value object per cell (reading the 1 GB bench's breakdowns in JS: ~92 -> ~74 ms).
 */
function micro(sum: string): string {
  return `CAST(COALESCE(${sum}, 0) * 1000000 AS HUGEINT)`
}

/**
 * Level 2: one breakdown from the cube (`cubeTable`: SQL, quoted and qualified as needed), for the rows of `range` (null = every row, including rows without
 * a JOB_RUN_DATE, which no day range can place).
 */
export function buildBreakdownSql(cubeTable: string, set: GroupingSetName, range: DayRange | null, bySegment = false): string {
  const dimensions: readonly string[] = [...GROUPING_SETS[set], ...(bySegment ? ['segment'] : [])]
  const part = cubePartOf(set)
  const failed = 'failed'
  const keys = dimensions.map((dimension) => (dimension === 'day' ? 'CAST(day AS VARCHAR) AS day' : dimension))
  // Ten exact decimals per group add up to ~50 MB of JS objects on the larger breakdowns (12k branches of 1 GB).
  const columnSums = set === 'total' ? `,\n  ${Object.keys(CREDIT_COLUMN_SQL).map((name) => `${micro(`SUM(c_${name})`)} AS sum_${name}`).join(', ')}` : ''
  const where = [`cube_part = ${CUBE_PART_IDS[part]}`]
  if (part === 'branch') where.push('in_window')
  else if (range) where.push(`day >= ${dateLiteral(range.start)} AND day < ${dateLiteral(range.end)}`)
  return `SELECT ${[...keys, ''].join(', ')}
  COUNT(*) AS cube_rows, ${micro('SUM(c_total)')} AS credits, COALESCE(SUM(rows), 0) AS rows, COALESCE(SUM(jobs), 0) AS jobs,
  COALESCE(SUM(run_ms), 0) AS run_ms, COALESCE(SUM(run_seconds_count), 0) AS run_seconds_count,
  ${micro(`SUM(c_total) FILTER (WHERE ${failed})`)} AS failed_credits, COALESCE(SUM(jobs) FILTER (WHERE ${failed}), 0) AS failed_jobs,
  COALESCE(SUM(rows) FILTER (WHERE ${failed}), 0) AS failed_rows, COALESCE(SUM(run_ms) FILTER (WHERE ${failed}), 0) AS failed_run_ms${columnSums}
FROM ${cubeTable} WHERE ${where.join(' AND ')}${dimensions.length > 0 ? ` GROUP BY ${dimensions.join(', ')}` : ''}`
}

/** The export reduced to one small table; breakdowns of any day range are then cheap. */
export interface Cube {
  source: UsageSource
  table: string
  /** First and last JOB_RUN_DATE of the (filtered) rows, null when there are none with a date. */
  days: {first: string; last: string} | null
  /** Filtered rows, with or without a date. */
  rows: number
  /** Groups of `range` (null = every row); the branch breakdown exists only for the cube's own window. */
  breakdown(set: GroupingSetName, range: DayRange | null): Promise<Group[]>
  /** The same, split by segment value in one query (cubes built with a segment). */
  breakdownBySegment(set: GroupingSetName, range: DayRange | null): Promise<Map<string | null, Group[]>>
  /** Filtered rows per segment value, for cubes built with a segment (else empty). */
  segmentRows: Map<string | null, number>
  drop(): Promise<void>
}

let cubeCounter = 0

export interface CubeOptions {
  /** Relation to read instead of the source's view, e.g. the report_rows copy (same column names). */
  from?: string
  /** Attached database to keep the cube in (a file: compressed, evictable) instead of a temp table. */
  database?: string
  /**
   * SQL over the relation's columns splitting the rows into segments (e.g. the team of each project), added to
   * every grouping set: one scan then answers every segment's breakdowns. A value that depends on the project
   * adds no groups to the project-level sets.
   */
  segmentSql?: string
  /** `from` holds a history's rollup rows rather than export rows. */
  preAggregated?: boolean
}

export async function buildCube(source: UsageSource, filterSql: string | undefined, current: DayRange | null, options: CubeOptions = {}): Promise<Cube> {
  const name = `usage_cube_${++cubeCounter}`
  const table = options.database ? `${sqlIdent(options.database)}.${sqlIdent(name)}` : sqlIdent(name)
  const cubeSql = (part?: CubePart) =>
    buildCubeSql(options.from ?? source.view, name, filterSql, current, options.database, {segmentSql: options.segmentSql, preAggregated: options.preAggregated, part})
  try {
    await queryUsage(source, cubeSql())
  } catch (error) {
    if (!(error instanceof CciUsageError && error.code === 'E_OUT_OF_MEMORY')) throw error
    // GROUPING SETS keeps every part's hash table at once, and does not spill. Thousands of projects with a branch
    // per pull request and tens of thousands of jobs (a large organization) filled the default 150 MB on 200 MB of
    // export; one part at a time (a scan each: ~0.1-0.3 s more on 1 GB, so only when needed) fits it.
    for (const part of Object.keys(CUBE_PARTS) as CubePart[]) await queryUsage(source, cubeSql(part))
  }
  const stats = (
    await source.connection.runAndReadAll(
      `SELECT CAST(MIN(day) AS VARCHAR) AS first, CAST(MAX(day) AS VARCHAR) AS last, COALESCE(SUM(rows), 0) AS rows FROM ${table} WHERE cube_part = ${CUBE_PART_IDS.dims}`,
    )
  ).getRowObjects()[0]
  const segmentRows = new Map<string | null, number>()
  if (options.segmentSql) {
    const reader = await source.connection.runAndReadAll(`SELECT segment, SUM(rows) AS rows FROM ${table} WHERE cube_part = ${CUBE_PART_IDS.dims} GROUP BY segment`)
    for (const row of reader.getRowObjects()) segmentRows.set(row.segment === null ? null : String(row.segment), Number(row.rows))
  }
  const read = async (set: GroupingSetName, range: DayRange | null, bySegment: boolean) => {
    if (set === 'branch' && JSON.stringify(range) !== JSON.stringify(current)) {
      throw new Error('branches are only aggregated for the window the cube was built for')
    }
    const reader = await source.connection.runAndReadAll(buildBreakdownSql(table, set, range, bySegment))
    const columns = reader.getColumnsObjectJS()
    const results: {segment: string | null; group: Group}[] = []
    for (let index = 0; index < reader.currentRowCount; index++) {
      // An aggregate without GROUP BY returns one row even when nothing matched; drop it.
      if (Number(columns.cube_rows[index]) === 0) continue
      const segment = bySegment ? columns.segment[index] : null
      results.push({segment: segment === null ? null : String(segment), group: toGroup(set, columns, index)})
    }
    return results
  }
  return {
    source,
    table,
    days: stats.first === null ? null : {first: String(stats.first), last: String(stats.last)},
    rows: Number(stats.rows),
    segmentRows,
    async breakdown(set, range) {
      return (await read(set, range, false)).map(({group}) => group)
    },
    async breakdownBySegment(set, range) {
      if (!options.segmentSql) throw new Error('breakdownBySegment needs a cube built with segmentSql')
      const bySegment = new Map<string | null, Group[]>()
      for (const {segment, group} of await read(set, range, true)) {
        const groups = bySegment.get(segment)
        if (groups) groups.push(group)
        else bySegment.set(segment, [group])
      }
      return bySegment
    },
    async drop() {
      await source.connection.run(`DROP TABLE IF EXISTS ${table}`)
    },
  }
}

/** One row of a breakdown read column by column; credits are micro-credits already (see micro). */
export function toGroup(set: GroupingSetName, columns: Record<string, DuckDBValueJS[]>, index: number): Group {
  const value = (name: string) => columns[name][index]
  const dims: Partial<Record<Dimension, string | null>> = {}
  for (const dimension of GROUPING_SETS[set]) dims[dimension] = value(dimension) === null ? null : String(value(dimension))
  return {
    set,
    dims,
    credits: wholeMicro(value('credits')),
    rows: Number(value('rows')),
    jobs: Number(value('jobs')),
    runMs: Number(value('run_ms')),
    runSecondsCount: Number(value('run_seconds_count')),
    failedCredits: wholeMicro(value('failed_credits')),
    failedJobs: Number(value('failed_jobs')),
    failedRows: Number(value('failed_rows')),
    failedRunMs: Number(value('failed_run_ms')),
    ...(set === 'total'
      ? {creditColumns: Object.fromEntries(Object.keys(CREDIT_COLUMN_SQL).map((name) => [name, wholeMicro(value(`sum_${name}`))])) as unknown as CreditColumnSums}
      : {}),
  }
}

function wholeMicro(value: DuckDBValueJS): bigint {
  if (typeof value === 'bigint') return value
  throw new Error(`internal: expected a HUGEINT of micro-credits, got ${String(value)}`)
}

/** DECIMAL(38,6) sums arrive as scaled bigints; anything else (an all-NULL sum coalesced to 0) is converted. */
export function microCredits(value: DuckDBValue): bigint {
  if (value !== null && typeof value === 'object' && 'scale' in value && 'value' in value) {
    const {scale, value: scaled} = value as {scale: number; value: bigint}
    return scale === 6 ? scaled : scale < 6 ? scaled * 10n ** BigInt(6 - scale) : scaled / 10n ** BigInt(scale - 6)
  }
  if (typeof value === 'bigint') return value * 1_000_000n
  if (typeof value === 'number') return numberToCredits(value)
  return 0n
}
