#!/usr/bin/env node
/**
 * The report benchmark's baseline (issue 15): DuckDB alone, with its own defaults (every core, its default
 * memory limit, type detection), through the same @duckdb/node-api, reading the same CSV once and summing
 * TOTAL_CREDITS by project. What no report on the file can beat; bench/report.js runs it beside the report.
 *
 *   node bench/duckdb-baseline.js bench/out/usage-1000mb.csv   prints {"projects": N, "rows": N, "credits": "..."}
 */
import {DuckDBInstance} from '@duckdb/node-api'

const file = process.argv[2]
if (!file) throw new Error('usage: node bench/duckdb-baseline.js <export.csv>')
const instance = await DuckDBInstance.create(':memory:')
const connection = await instance.connect()
const reader = await connection.runAndReadAll(
  `SELECT PROJECT_NAME, sum(TOTAL_CREDITS) AS credits, count(*) AS rows FROM read_csv('${file.replaceAll("'", "''")}') GROUP BY PROJECT_NAME`,
)
const groups = reader.getRowObjectsJS()
process.stdout.write(JSON.stringify({
  projects: groups.length,
  rows: groups.reduce((sum, group) => sum + Number(group.rows), 0),
  credits: String(groups.reduce((sum, group) => sum + Number(group.credits), 0)),
}) + '\n')
connection.closeSync()
instance.closeSync()
