import type {DuckDBConnection} from '@duckdb/node-api'

import {sqlLiteral, type SqlValue} from './columns.js'

/** Rows per INSERT: keeps each statement's text short whatever the names' lengths. */
const ROWS_PER_INSERT = 500

/**
 * Creates (or replaces) the temp table `table` of `columns` (SQL column definitions) holding `rows`: what only
 * JavaScript computes (a project's team from the teams file's globs, its key as the Summary writes it) handed
 * to DuckDB to join with, a few thousand rows at most.
 */
export async function createTempTableOf(connection: DuckDBConnection, table: string, columns: string, rows: ReadonlyArray<readonly SqlValue[]>): Promise<void> {
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${table} (${columns})`)
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const values = rows.slice(start, start + ROWS_PER_INSERT).map((row) => `(${row.map(sqlLiteral).join(', ')})`)
    await connection.run(`INSERT INTO ${table} VALUES ${values.join(', ')}`)
  }
}
