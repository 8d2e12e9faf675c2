/**
 * DDL generated from the one column list (columns.ts) for each warehouse `load --print-ddl` knows. The Postgres
 * statements are the ones the loader runs; the others are what docs/warehouse.md tells users to run.
 */
import pg from 'pg'

import {BadInputError} from '../core/errors.js'
import {dialectType, LOADED_AT, MONTH_PARTITION, WAREHOUSE_COLUMNS, type Dialect} from './columns.js'

export const DDL_DIALECTS = ['postgres', 'bigquery', 'snowflake', 'athena', 'redshift'] as const
export type DdlDialect = (typeof DDL_DIALECTS)[number]

export const DEFAULT_SCHEMA = 'public'
export const DEFAULT_TABLE = 'circleci_usage'

export interface PostgresTableName {
  schema: string
  table: string
}

const quote = (name: string): string => pg.escapeIdentifier(name)

export function qualifiedTable({schema, table}: PostgresTableName): string {
  return `${quote(schema)}.${quote(table)}`
}

/** Index names derive from the table's, cut to Postgres' 63-byte identifier limit. */
function indexName(table: string, suffix: string): string {
  const base = Buffer.from(table, 'utf8').subarray(0, 63 - suffix.length - 1).toString('utf8').replace(/\uFFFD+$/, '')
  return `${base}_${suffix}`
}

/** The statements that make a missing schema, table and index; `postgresDdl` lists them in the order to run. */
export interface PostgresDdl {
  schema: string
  table: string
  /** Each index with its name, so that the loader can tell one that exists from one it must create. */
  indexes: Array<{name: string; statement: string}>
}

/**
 * Schema, table and indexes, each `IF NOT EXISTS`. The indexes serve the load's own deletes: by (organization,
 * day) for whole days, by job for the rows of partly covered days.
 */
export function postgresStatements(name: PostgresTableName): PostgresDdl {
  const table = qualifiedTable(name)
  const columns = WAREHOUSE_COLUMNS.map((column) => `  ${quote(column.name)} ${dialectType('postgres', column.type)}`)
  const index = (suffix: string, on: string[]): {name: string; statement: string} => {
    const indexed = indexName(name.table, suffix)
    return {name: indexed, statement: `CREATE INDEX IF NOT EXISTS ${quote(indexed)} ON ${table} (${on.map(quote).join(', ')})`}
  }
  return {
    schema: `CREATE SCHEMA IF NOT EXISTS ${quote(name.schema)}`,
    table: `CREATE TABLE IF NOT EXISTS ${table} (\n${[...columns, `  ${quote(LOADED_AT)} timestamptz NOT NULL DEFAULT now()`].join(',\n')}\n)`,
    indexes: [index('org_day', ['organization_id', 'job_run_date']), index('job_id', ['job_id'])],
  }
}

/** Every statement of postgresStatements, in order: what `--print-ddl postgres` prints. */
export function postgresDdl(name: PostgresTableName): string[] {
  const ddl = postgresStatements(name)
  return [ddl.schema, ddl.table, ...ddl.indexes.map((index) => index.statement)]
}

function columnList(dialect: Dialect, indent = '  '): string {
  return WAREHOUSE_COLUMNS.map((column) => `${indent}${column.name} ${dialectType(dialect, column.type)}`).join(',\n')
}

/** The text `load --print-ddl DIALECT` prints (and docs/warehouse.md quotes). */
export function printableDdl(dialect: DdlDialect): string {
  switch (dialect) {
    case 'postgres':
      return postgresDdl({schema: DEFAULT_SCHEMA, table: DEFAULT_TABLE}).map((statement) => `${statement};`).join('\n') + '\n'
    case 'bigquery':
      // `bq load --hive_partitioning_mode=STRINGS` adds the partition key as a STRING column.
      return [
        `CREATE TABLE IF NOT EXISTS circleci.${DEFAULT_TABLE} (`,
        `${columnList('bigquery')},`,
        `  ${MONTH_PARTITION} STRING`,
        ');',
        '',
      ].join('\n')
    case 'snowflake':
      return [`CREATE TABLE IF NOT EXISTS ${DEFAULT_TABLE} (`, columnList('snowflake'), ');', ''].join('\n')
    case 'athena':
      return [
        `CREATE EXTERNAL TABLE IF NOT EXISTS ${DEFAULT_TABLE} (`,
        columnList('athena'),
        ')',
        `PARTITIONED BY (${MONTH_PARTITION} string)`,
        'STORED AS PARQUET',
        "LOCATION 's3://YOUR-BUCKET/circleci-usage/';",
        '',
      ].join('\n')
    case 'redshift':
      return [
        `CREATE EXTERNAL TABLE spectrum.${DEFAULT_TABLE} (`,
        columnList('redshift'),
        ')',
        `PARTITIONED BY (${MONTH_PARTITION} varchar(7))`,
        'STORED AS PARQUET',
        "LOCATION 's3://YOUR-BUCKET/circleci-usage/';",
        '',
      ].join('\n')
  }
}

export function parseDdlDialect(value: string): DdlDialect {
  if ((DDL_DIALECTS as readonly string[]).includes(value)) return value as DdlDialect
  throw new BadInputError('E_BAD_DDL_DIALECT', `--print-ddl ${value} is not a known warehouse: use one of ${DDL_DIALECTS.join(', ')}.`)
}
