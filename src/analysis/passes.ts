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

/**
 * Rows one pass may hold values of. Measured on the bench exports (2 threads, default budget): at 2 million, 4 GB
 * (6.7 million rows, four passes) peaked at 456 MB and 1 GB (1.7 million, one pass) at 336 MB; at 1.5 million, 431
 * MB (five passes) and ~320 MB (two passes). Each pass reads the table again: ~0.1 CPU-second per pass and query
 * on 1 GB, ~0.2 on 4 GB.
 */
export const ROWS_PER_PASS = 1_500_000
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
