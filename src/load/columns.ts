/**
 * The warehouse's column list: every export column (USAGE_COLUMNS, in the export's order) under its lowercase
 * name, with one logical type. The Postgres table, the Parquet lake, the COPY column list, the DDL that
 * `load --print-ddl` prints and docs/warehouse.md all come from this list, so none of them can drift.
 *
 * Types follow the analysis view (src/analysis/columns.ts) and go further where the export's text is always a
 * typed value: the created dates are dates, pipeline and job run numbers integers, the IS_* flags booleans.
 */
import {CREDIT_TYPE, KNOWN_COLUMN_TYPES} from '../analysis/columns.js'
import {USAGE_COLUMNS, type UsageColumn} from '../core/usage-columns.js'

export type WarehouseType = 'text' | 'date' | 'timestamp' | 'bigint' | 'integer' | 'double' | 'boolean' | 'credits'

export interface WarehouseColumn {
  /** The export's UPPER_CASE name. */
  source: UsageColumn
  /** The warehouse's lowercase name. */
  name: string
  type: WarehouseType
}

const TYPE_OVERRIDES: Partial<Record<UsageColumn, WarehouseType>> = {
  ORGANIZATION_CREATED_DATE: 'date',
  PROJECT_CREATED_DATE: 'date',
  PIPELINE_NUMBER: 'bigint',
  JOB_RUN_NUMBER: 'bigint',
  IS_UNREGISTERED_USER: 'boolean',
  IS_WORKFLOW_SUCCESSFUL: 'boolean',
}

function warehouseType(source: UsageColumn): WarehouseType {
  const override = TYPE_OVERRIDES[source]
  if (override) return override
  const analysisType = KNOWN_COLUMN_TYPES.get(source)
  if (analysisType === CREDIT_TYPE) return 'credits'
  if (analysisType === 'TIMESTAMP') return 'timestamp'
  if (analysisType === 'DATE') return 'date'
  if (analysisType === 'DOUBLE') return 'double'
  if (analysisType === 'INTEGER') return 'integer'
  return 'text'
}

export const WAREHOUSE_COLUMNS: readonly WarehouseColumn[] = USAGE_COLUMNS.map((source) => ({
  source,
  name: source.toLowerCase(),
  type: warehouseType(source),
}))

export const WAREHOUSE_COLUMN_BY_SOURCE: ReadonlyMap<string, WarehouseColumn> = new Map(
  WAREHOUSE_COLUMNS.map((column) => [column.source, column]),
)

/** The Postgres table's extra column: when the row was loaded (the load's transaction time). */
export const LOADED_AT = 'loaded_at'

/** The lake's (and the FOCUS folder's) partition column: `month=YYYY-MM`, from JOB_RUN_DATE. */
export const MONTH_PARTITION = 'month'

/**
 * Credits are DECIMAL(18,6) everywhere: the precision the report parses them with (up to 10^12 credits per row,
 * six decimals), a 64-bit integer in Parquet, and NUMERIC (not BIGNUMERIC) when BigQuery loads that Parquet.
 */
export const CREDIT_PRECISION = 18
export const CREDIT_SCALE = 6

export type Dialect = 'postgres' | 'duckdb' | 'bigquery' | 'snowflake' | 'athena' | 'redshift'

const DIALECT_TYPES: Record<Dialect, Record<WarehouseType, string>> = {
  postgres: {
    text: 'text', date: 'date', timestamp: 'timestamptz', bigint: 'bigint', integer: 'integer',
    double: 'double precision', boolean: 'boolean', credits: `numeric(${CREDIT_PRECISION},${CREDIT_SCALE})`,
  },
  duckdb: {
    text: 'VARCHAR', date: 'DATE', timestamp: 'TIMESTAMP WITH TIME ZONE', bigint: 'BIGINT', integer: 'INTEGER',
    double: 'DOUBLE', boolean: 'BOOLEAN', credits: `DECIMAL(${CREDIT_PRECISION},${CREDIT_SCALE})`,
  },
  bigquery: {
    text: 'STRING', date: 'DATE', timestamp: 'TIMESTAMP', bigint: 'INT64', integer: 'INT64',
    double: 'FLOAT64', boolean: 'BOOL', credits: 'NUMERIC',
  },
  snowflake: {
    text: 'VARCHAR', date: 'DATE', timestamp: 'TIMESTAMP_TZ', bigint: 'NUMBER(19,0)', integer: 'NUMBER(10,0)',
    double: 'FLOAT', boolean: 'BOOLEAN', credits: `NUMBER(${CREDIT_PRECISION},${CREDIT_SCALE})`,
  },
  athena: {
    text: 'string', date: 'date', timestamp: 'timestamp', bigint: 'bigint', integer: 'int',
    double: 'double', boolean: 'boolean', credits: `decimal(${CREDIT_PRECISION},${CREDIT_SCALE})`,
  },
  redshift: {
    text: 'varchar(65535)', date: 'date', timestamp: 'timestamp', bigint: 'bigint', integer: 'integer',
    double: 'double precision', boolean: 'boolean', credits: `decimal(${CREDIT_PRECISION},${CREDIT_SCALE})`,
  },
}

export function dialectType(dialect: Dialect, type: WarehouseType): string {
  return DIALECT_TYPES[dialect][type]
}
