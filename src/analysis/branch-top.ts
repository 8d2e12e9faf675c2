import type {DuckDBConnection} from '@duckdb/node-api'

import {buildBreakdownSql, toGroup, type Cube, type Group, type Measures} from './aggregate.js'
import {sqlString} from './columns.js'
import {createTempTableOf} from './temp-table.js'

/**
 * The branch breakdown without every branch in JavaScript. A large organization has a branch per pull request:
 * 790,000 project x branch entries in a 1 GB export took the report to 2.1 GB and 36 s, nearly all of it the
 * entries read into objects, keyed, sorted and turned into rows that only `--group-by branch` writes. Here the
 * entries stay in DuckDB; JavaScript gets the few that can rank among the first `top`, and the sums of all.
 */

let entriesCounter = 0

/** The branch breakdown's entries (org x project x branch of the window, with its measures), kept as a temp table. */
export interface BranchEntries {
  table: string
  /** The entries of one segment (a team) as a relation, for a cube built with segments. */
  ofSegment(segment: string): string
  drop(): Promise<void>
}

export async function keepBranchEntries(cube: Cube, bySegment = false): Promise<BranchEntries> {
  const table = `branch_entries_${++entriesCounter}`
  const connection = cube.source.connection
  // The branch part holds the cube's own window only (in_window), whatever range is asked.
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${table} AS ${buildBreakdownSql(cube.table, 'branch', null, bySegment)}`)
  return {
    table,
    ofSegment: (segment) => `(SELECT * EXCLUDE (segment) FROM ${table} WHERE segment = ${sqlString(segment)})`,
    drop: async () => {
      await connection.run(`DROP TABLE IF EXISTS ${table}`)
    },
  }
}

/** How the summary writes an entry's key before quoting: project key, separator, branch or its missing label. */
export interface BranchKeyText {
  project(org: string | null, project: string | null): string
  separator: string
  missingBranch: string
}

export interface BranchTop {
  /**
   * Every entry that may rank among the first `top` by credits: all of them when there are at most `top`, else
   * those with at least the credits of the top-th, ties included (the caller breaks ties by key, as before).
   */
  candidates: Group[]
  /** For each candidate, how many entries of all share its plain key text (a shared text is quoted). */
  sameText: ReadonlyMap<Group, number>
  /** Sums over every entry, and how many there are. */
  all: Measures
  count: number
}

/** The candidates for the first `top` entries of `entries` (a relation from keepBranchEntries), and the sums of all. */
export async function branchTop(connection: DuckDBConnection, entries: string, top: number, keyText: BranchKeyText): Promise<BranchTop> {
  const totals = (
    await connection.runAndReadAll(
      `SELECT COUNT(*) AS entries, SUM(credits) AS credits, SUM(rows) AS rows, SUM(jobs) AS jobs, SUM(run_ms) AS run_ms,
        SUM(run_seconds_count) AS run_seconds_count, SUM(failed_credits) AS failed_credits, SUM(failed_jobs) AS failed_jobs,
        SUM(failed_rows) AS failed_rows, SUM(failed_run_ms) AS failed_run_ms FROM ${entries}`,
    )
  ).getRowObjectsJS()[0]
  const count = Number(totals.entries)
  const all: Measures = {
    credits: bigintOf(totals.credits),
    rows: Number(totals.rows ?? 0),
    jobs: Number(totals.jobs ?? 0),
    runMs: Number(totals.run_ms ?? 0),
    runSecondsCount: Number(totals.run_seconds_count ?? 0),
    failedCredits: bigintOf(totals.failed_credits),
    failedJobs: Number(totals.failed_jobs ?? 0),
    failedRows: Number(totals.failed_rows ?? 0),
    failedRunMs: Number(totals.failed_run_ms ?? 0),
  }
  let threshold = ''
  if (count > top) {
    const nth = (await connection.runAndReadAll(`SELECT credits FROM ${entries} ORDER BY credits DESC LIMIT 1 OFFSET ${top - 1}`)).getColumnsJS()[0][0]
    threshold = ` WHERE credits >= ${bigintOf(nth).toString()}`
  }
  // Whether a candidate's plain key is shared can depend on any entry, so it is counted over all of them, with
  // each project's key text as the summary writes it (a handful of projects, handed over as a small table).
  const keys = `branch_key_texts_${++entriesCounter}`
  const pairs = (await connection.runAndReadAll(`SELECT DISTINCT org, project FROM ${entries}`)).getRowObjectsJS().map((pair) => [textOrNull(pair.org), textOrNull(pair.project)] as const)
  try {
    await createTempTableOf(connection, keys, 'org VARCHAR, project VARCHAR, text VARCHAR', pairs.map(([org, project]) => [org, project, keyText.project(org, project)]))
    const reader = await connection.runAndReadAll(
      `WITH keyed AS (
        SELECT e.*, k.text || ${sqlString(keyText.separator)} || COALESCE(e.branch, ${sqlString(keyText.missingBranch)}) AS plain_key
        FROM ${entries} e JOIN ${keys} k ON e.org IS NOT DISTINCT FROM k.org AND e.project IS NOT DISTINCT FROM k.project),
      counted AS (SELECT *, COUNT(*) OVER (PARTITION BY plain_key) AS same_text FROM keyed)
      SELECT * FROM counted${threshold}`,
    )
    const columns = reader.getColumnsObjectJS()
    const candidates: Group[] = []
    const sameText = new Map<Group, number>()
    for (let index = 0; index < reader.currentRowCount; index++) {
      const group = toGroup('branch', columns, index)
      candidates.push(group)
      sameText.set(group, Number(columns.same_text[index]))
    }
    return {candidates, sameText, all, count}
  } finally {
    await connection.run(`DROP TABLE IF EXISTS ${keys}`)
  }
}

function textOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value)
}

/** A sum of micro-credits (HUGEINT); NULL (no entries) is zero. */
function bigintOf(value: unknown): bigint {
  if (value === null || value === undefined) return 0n
  if (typeof value === 'bigint') return value
  throw new Error(`internal: expected micro-credits as a bigint, got ${String(value)}`)
}
