/**
 * Exact percentiles in bounded memory. DuckDB's quantile_cont and median keep every value of every group in
 * memory until the end of the query, outside its memory budget, so they cannot spill: on the 4 GB bench export
 * (6.7 million rows) the health and savings queries took peak RSS from ~330 MB to 630 MB, and it grows with the
 * export. A query with such aggregates over many rows runs in passes instead, each over the groups whose key
 * hashes to its number: every group is whole in exactly one pass, so each percentile is the one a single query
 * gives, and a pass holds about ROWS_PER_PASS rows' values.
 */
import type {DuckDBConnection} from '@duckdb/node-api'

import {BadInputError} from '../core/errors.js'
import {sqlIdent} from './columns.js'
import {withMemoryLimit} from './engine-budget.js'

/**
 * Rows one pass may hold values of: a 1 GB export (1.7 million rows) is one pass, 4 GB (6.7 million) three. Each
 * pass reads the table again (~0.2 CPU-second per pass and query on 4 GB, ~0.5 on 10 GB), so fewer, larger passes
 * are faster. Measured on 4 GB at 2 threads with the budget cut below: 2 million rows a pass peaked at 365 MB in
 * these queries, 3 million at 371 MB and ~0.4 CPU-second less, 3.5 million at 417 MB.
 */
export const ROWS_PER_PASS = 3_000_000

/**
 * DuckDB's memory budget while the passes run, per thread: they read the table once a pass, so a cache of its
 * blocks buys nothing, and the values they hold live outside the budget. On 4 GB at 2 threads the full 150 MB
 * budget, filled with the table's blocks, put peak RSS at ~450 MB; 64 MB put it at ~350 MB at the same CPU time.
 */
export const PASS_MEMORY_MB_PER_THREAD = 32
export const ROWS_PER_PASS_VARIABLE = 'CCI_USAGE_ROWS_PER_PASS'

/** ROWS_PER_PASS, or CCI_USAGE_ROWS_PER_PASS (fewer rows: less memory, a little more time). */
export function rowsPerPass(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[ROWS_PER_PASS_VARIABLE]?.trim()
  if (!text) return ROWS_PER_PASS
  if (!/^\d+$/.test(text) || Number(text) < 1) {
    throw new BadInputError('E_BAD_ROWS_PER_PASS', `${ROWS_PER_PASS_VARIABLE}=${text} is not a whole number of rows >= 1: give e.g. ${ROWS_PER_PASS_VARIABLE}=1000000, or unset it for ${ROWS_PER_PASS}.`)
  }
  return Number(text)
}

/** How many passes `rows` rows need. */
export function passCount(rows: number, perPass: number): number {
  return Math.max(1, Math.ceil(rows / perPass))
}

/** Runs `work` (the passes) with DuckDB's memory budget cut to PASS_MEMORY_MB_PER_THREAD a thread. */
export function withPassMemory<T>(connection: DuckDBConnection, work: () => Promise<T>): Promise<T> {
  return withMemoryLimit(connection, PASS_MEMORY_MB_PER_THREAD, work)
}

/**
 * SQL booleans splitting the groups of `keySql` (the GROUP BY expressions, comma-separated) into passes for
 * `relation`'s rows: ['TRUE'] when one pass holds them all, else one `hash(keys) % n = i` per pass.
 */
export async function groupPasses(connection: DuckDBConnection, relation: string, keySql: string, perPass = rowsPerPass()): Promise<string[]> {
  const reader = await connection.runAndReadAll(`SELECT count(*) AS n FROM ${sqlIdent(relation)}`)
  const passes = passCount(Number(reader.getRowObjectsJS()[0].n), perPass)
  if (passes === 1) return ['TRUE']
  return Array.from({length: passes}, (_, pass) => `(hash(${keySql}) % ${passes} = ${pass})`)
}
