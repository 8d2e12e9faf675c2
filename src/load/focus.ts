/**
 * `focus:DIR`: the export as FOCUS 1.2 cost rows (FinOps Foundation, https://focus.finops.org), in Parquet
 * partitioned `month=YYYY-MM/` by billing period. One row per export row and credit kind with non-zero credits,
 * so the rows' PricingQuantity adds up to TOTAL_CREDITS exactly (a row whose TOTAL_CREDITS differs from the sum
 * of its credit columns gets an `unattributed` row for the difference).
 *
 * Every column FOCUS 1.2 marks Mandatory is here (focusColumns, `mandatory: true`); the only one that is null
 * is ChargeClass, which the spec requires to be null on rows that are not corrections. So are the Conditional
 * columns whose condition holds for CircleCI, and two Recommended ones. Column IDs, feature levels and
 * nullability come from the spec's specification/columns/*.md at tag v1.2.
 */
import {sqlIdent, sqlString} from '../analysis/columns.js'
import {createTempTableOf} from '../analysis/temp-table.js'
import {NONE_LABEL} from '../analysis/build.js'
import type {TeamMatcher} from '../analysis/teams.js'
import {BadInputError, InputFileError} from '../core/errors.js'
import {exactDecimal} from '../core/exact-money.js'
import {CREDIT_COLUMNS, CREDIT_LABELS, OTHER_CREDITS_LABEL} from '../core/usage-columns.js'
import {MONTH_PARTITION} from './columns.js'
import type {LakeDataset} from './lake.js'
import type {StagedLoad} from './stage.js'

export const FOCUS_VERSION = '1.2'
const PROVIDER = 'CircleCI'
const COST_TYPE = 'DECIMAL(38,16)'
const PRICE_PRECISION = 18
const PRICE_SCALE = 10
const PRICE_TYPE = `DECIMAL(${PRICE_PRECISION},${PRICE_SCALE})`

export interface FocusColumn {
  name: string
  /** Feature level Mandatory in FOCUS 1.2. */
  mandatory: boolean
  /** SQL over the `charges` relation (one row per export row and credit kind). */
  sql: string
}

const cost = `CAST(credits * price AS ${COST_TYPE})`
const sku = "coalesce(RESOURCE_CLASS || ':', '') || kind"
const skuMeter = `CASE credit_column ${Object.entries({...CREDIT_LABELS, OTHER_CREDITS: OTHER_CREDITS_LABEL, UNATTRIBUTED_CREDITS: 'Unattributed'})
  .map(([column, label]) => `WHEN ${sqlString(column)} THEN ${sqlString(label)}`)
  .join(' ')} END`
const tagKeys = (withTeam: boolean) =>
  [
    `'circleci/workflow', WORKFLOW_NAME`,
    `'circleci/branch', VCS_BRANCH`,
    `'circleci/executor', EXECUTOR`,
    ...(withTeam ? [`'team', team`] : []),
  ].join(', ')

export function focusColumns(withTeam: boolean): FocusColumn[] {
  return [
    {name: 'BilledCost', mandatory: true, sql: cost},
    {name: 'BillingAccountId', mandatory: true, sql: 'ORGANIZATION_ID'},
    {name: 'BillingAccountName', mandatory: true, sql: 'ORGANIZATION_NAME'},
    {name: 'BillingCurrency', mandatory: true, sql: "'USD'"},
    {name: 'BillingPeriodEnd', mandatory: true, sql: "date_trunc('month', period_start) + INTERVAL 1 MONTH"},
    {name: 'BillingPeriodStart', mandatory: true, sql: "date_trunc('month', period_start)"},
    {name: 'ChargeCategory', mandatory: true, sql: "'Usage'"},
    // chargeclass.md: "ChargeClass MUST be null when the row does not represent a correction".
    {name: 'ChargeClass', mandatory: true, sql: 'CAST(NULL AS VARCHAR)'},
    {
      name: 'ChargeDescription',
      mandatory: true,
      sql: `kind || ' credits for ' || CASE WHEN JOB_NAME IS NULL THEN 'project ' || coalesce(PROJECT_NAME, '?') ELSE 'job ' || JOB_NAME || ' of ' || coalesce(PROJECT_NAME, '?') END || coalesce(' on ' || RESOURCE_CLASS, '')`,
    },
    {name: 'ChargePeriodEnd', mandatory: true, sql: 'period_end'},
    {name: 'ChargePeriodStart', mandatory: true, sql: 'period_start'},
    {name: 'ContractedCost', mandatory: true, sql: cost},
    {name: 'EffectiveCost', mandatory: true, sql: cost},
    {name: 'InvoiceIssuerName', mandatory: true, sql: `'${PROVIDER}'`},
    {name: 'ListCost', mandatory: true, sql: cost},
    {name: 'PricingQuantity', mandatory: true, sql: 'credits'},
    {name: 'PricingUnit', mandatory: true, sql: "'Credits'"},
    {name: 'ProviderName', mandatory: true, sql: `'${PROVIDER}'`},
    {name: 'PublisherName', mandatory: true, sql: `'${PROVIDER}'`},
    {name: 'ServiceCategory', mandatory: true, sql: "'Developer Tools'"},
    {name: 'ServiceName', mandatory: true, sql: `'${PROVIDER}'`},
    // The columns below are Conditional or Recommended in FOCUS 1.2. Their conditions hold for CircleCI: it
    // measures usage (ConsumedQuantity), publishes a price list (SkuPriceId, SkuMeter, SkuPriceDetails) and prices
    // in a virtual currency, credits, billed in USD (the PricingCurrency columns). A validator told so requires them.
    {name: 'ChargeFrequency', mandatory: false, sql: "'Usage-Based'"},
    // The credits are what the export measures; a job's minutes price only its compute credits.
    {name: 'ConsumedQuantity', mandatory: false, sql: 'credits'},
    {name: 'ConsumedUnit', mandatory: false, sql: "'Credits'"},
    {name: 'ContractedUnitPrice', mandatory: false, sql: 'price'},
    {name: 'ListUnitPrice', mandatory: false, sql: 'price'},
    // A credit costs one credit: the PricingUnit is the credit itself, so the cost in credits is the quantity.
    {name: 'PricingCurrency', mandatory: false, sql: "'Credits'"},
    {name: 'PricingCurrencyContractedUnitPrice', mandatory: false, sql: `CAST(1 AS ${PRICE_TYPE})`},
    {name: 'PricingCurrencyEffectiveCost', mandatory: false, sql: 'credits'},
    {name: 'PricingCurrencyListUnitPrice', mandatory: false, sql: `CAST(1 AS ${PRICE_TYPE})`},
    {name: 'ResourceId', mandatory: false, sql: 'JOB_ID'},
    // resourcename.md and resourcetype.md: both "MUST be null when ResourceId is null".
    {name: 'ResourceName', mandatory: false, sql: 'CASE WHEN JOB_ID IS NOT NULL THEN JOB_NAME END'},
    {name: 'ResourceType', mandatory: false, sql: "CASE WHEN JOB_ID IS NOT NULL THEN 'Job' END"},
    {name: 'ServiceSubcategory', mandatory: false, sql: "'Continuous Integration and Deployment'"},
    {name: 'SkuId', mandatory: false, sql: sku},
    {name: 'SkuMeter', mandatory: false, sql: skuMeter},
    // One price per SKU (the plan's price per credit), so the price's ID is the SKU's, which skupriceid.md allows.
    {name: 'SkuPriceId', mandatory: false, sql: sku},
    // skupricedetails.md: MAY be null when SkuPriceId is not; the export carries no price properties.
    {name: 'SkuPriceDetails', mandatory: false, sql: 'CAST(NULL AS VARCHAR)'},
    {name: 'SubAccountId', mandatory: false, sql: 'PROJECT_ID'},
    {name: 'SubAccountName', mandatory: false, sql: 'PROJECT_NAME'},
    {name: 'Tags', mandatory: false, sql: `CAST(json_object(${tagKeys(withTeam)}) AS VARCHAR)`},
    {name: 'x_CreditKind', mandatory: false, sql: 'kind'},
    {name: 'x_JobRunDate', mandatory: false, sql: 'JOB_RUN_DATE'},
    {name: 'x_JobBuildStatus', mandatory: false, sql: 'JOB_BUILD_STATUS'},
  ]
}

const CREDIT_SOURCES = [...CREDIT_COLUMNS, 'OTHER_CREDITS']

/**
 * FOCUS rows are made from the staged rows (stage.ts), which hold the warehouse's columns; these are staged
 * besides them: the credits of columns the warehouse does not know, which FOCUS rows keep as the kind `other`.
 */
export const FOCUS_STAGED_COLUMNS = [`${sqlIdent('OTHER_CREDITS')} AS other_credits`]

/**
 * The price as exact decimal text (0 without one): the shortest text that reads back as the number
 * `--credit-price` was parsed into, which is the text given for any price of up to 15 significant digits.
 * toFixed(10) rounded a longer price and turned one below 5e-11 into 0; a price PRICE_TYPE cannot hold
 * exactly is refused instead, since ListUnitPrice x PricingQuantity must equal ListCost.
 */
export function priceText(creditPrice: number | null): string {
  if (creditPrice === null) return '0'
  const text = exactDecimal(creditPrice)
  const [whole, fraction = ''] = text.split('.')
  if (fraction.length > PRICE_SCALE || whole.replace(/^0+/, '').length > PRICE_PRECISION - PRICE_SCALE) {
    throw new BadInputError(
      'E_BAD_PRICE',
      `--credit-price ${text} cannot be a FOCUS unit price exactly: FOCUS prices are ${PRICE_TYPE}, at most ${PRICE_SCALE} decimals and below ${10 ** (PRICE_PRECISION - PRICE_SCALE)}; give the price rounded to ${PRICE_SCALE} decimals.`,
    )
  }
  return text
}

export interface FocusOptions {
  creditPrice: number | null
  teams: TeamMatcher | null
}

const DIMENSIONS = [
  'ORGANIZATION_ID', 'ORGANIZATION_NAME', 'PROJECT_ID', 'PROJECT_NAME', 'JOB_ID', 'JOB_NAME', 'JOB_RUN_DATE', 'JOB_RUN_QUEUED_AT',
  'JOB_RUN_STARTED_AT', 'JOB_RUN_STOPPED_AT', 'JOB_BUILD_STATUS', 'RESOURCE_CLASS', 'EXECUTOR', 'WORKFLOW_NAME', 'VCS_BRANCH',
]

/**
 * The export columns FOCUS rows are made of: what stage.ts stages for a FOCUS load (under their warehouse names),
 * besides FOCUS_STAGED_COLUMNS. Staging these ~25 rather than all 48 columns halves the Parquet writing.
 */
export const FOCUS_SOURCE_COLUMNS: readonly string[] = [...DIMENSIONS, ...CREDIT_SOURCES.filter((name) => name !== 'OTHER_CREDITS'), 'TOTAL_CREDITS']

/** `WITH ... charges AS (...)`: one row per row of `load_rows` (matching `filter`, if given) and credit kind with non-zero credits. */
function chargesSql(withTeam: boolean, creditPrice: number | null, filter?: string): string {
  const credits = CREDIT_SOURCES.map((name) => `CAST(${sqlIdent(name)} AS DECIMAL(38,6)) AS ${sqlIdent(name)}`)
  const unattributed = `CAST(TOTAL_CREDITS - (${CREDIT_SOURCES.map((name) => `coalesce(${sqlIdent(name)}, 0)`).join(' + ')}) AS DECIMAL(38,6)) AS UNATTRIBUTED_CREDITS`
  const base = `SELECT ${[...DIMENSIONS.map((name) => sqlIdent(name)), ...credits, unattributed].join(', ')}${withTeam ? ', tm.team AS team' : ''}
    FROM load_rows r${withTeam ? ' LEFT JOIN load_teams tm ON tm.project IS NOT DISTINCT FROM r.PROJECT_NAME' : ''}${filter ? ` WHERE ${filter}` : ''}`
  const kinds = [...CREDIT_SOURCES, 'UNATTRIBUTED_CREDITS'].map((name) => sqlIdent(name)).join(', ')
  // A job's period starts at its start, with or without a stop: the load compares ChargePeriodStart with the end of
  // the window that holds its day, and a job that started after that window must be told from one that did not
  // (docs/warehouse.md, "Exactly once"). It ends at the stop when that is after the start, else at the end of the
  // start's day. Rows without a job or a start have their whole day.
  return `
    WITH base AS (${base}),
    unpivoted AS (UNPIVOT base ON ${kinds} INTO NAME credit_column VALUE credits),
    dated AS (
      SELECT *, lower(regexp_replace(credit_column, '_CREDITS$', '')) AS kind,
        coalesce(JOB_RUN_DATE, CAST(JOB_RUN_STARTED_AT AS DATE), CAST(JOB_RUN_QUEUED_AT AS DATE)) AS charge_day,
        CAST(${sqlString(priceText(creditPrice))} AS ${PRICE_TYPE}) AS price
      FROM unpivoted WHERE credits <> 0
    ),
    charges AS (
      SELECT *,
        CASE WHEN JOB_ID IS NOT NULL AND JOB_RUN_STARTED_AT IS NOT NULL THEN CAST(JOB_RUN_STARTED_AT AS TIMESTAMPTZ) ELSE CAST(charge_day AS TIMESTAMPTZ) END AS period_start,
        CASE WHEN JOB_ID IS NULL OR JOB_RUN_STARTED_AT IS NULL THEN CAST(charge_day + INTERVAL 1 DAY AS TIMESTAMPTZ)
          WHEN JOB_RUN_STOPPED_AT > JOB_RUN_STARTED_AT THEN CAST(JOB_RUN_STOPPED_AT AS TIMESTAMPTZ)
          ELSE CAST(CAST(JOB_RUN_STARTED_AT AS DATE) + INTERVAL 1 DAY AS TIMESTAMPTZ) END AS period_end
      FROM dated
    )`
}

/** The FOCUS rows of `load_rows` (the staged rows the load writes; their column names resolve case-insensitively). */
export async function focusDataset(staged: StagedLoad, options: FocusOptions): Promise<LakeDataset> {
  const {connection} = staged
  const withTeam = options.teams !== null
  if (options.teams) {
    const projects = (await connection.runAndReadAll('SELECT DISTINCT PROJECT_NAME AS p FROM load_rows')).getRowObjectsJson()
    // A row without a project goes to the team of "(none)", as in the report, its chargeback and team pages
    // ("unassigned", or a catch-all's team), not to no team at all.
    const pairs = projects.map((row): [string | null, string] => {
      const project = row.p === null ? null : String(row.p)
      return [project, options.teams!(project ?? NONE_LABEL)]
    })
    await createTempTableOf(connection, 'load_teams', 'project VARCHAR, team VARCHAR', pairs)
  }
  const charges = (filter?: string) => chargesSql(withTeam, options.creditPrice, filter)
  // Only rows without an organization or without any date can make such a charge: the check reads those alone.
  const [undated] = (
    await connection.runAndReadAll(
      `${charges('r.ORGANIZATION_ID IS NULL OR (r.JOB_RUN_DATE IS NULL AND r.JOB_RUN_STARTED_AT IS NULL AND r.JOB_RUN_QUEUED_AT IS NULL)')}
       SELECT count(*) AS n FROM charges WHERE period_start IS NULL OR ORGANIZATION_ID IS NULL`,
    )
  ).getRowObjectsJson()
  if (Number(undated.n) > 0) {
    throw new InputFileError(
      'E_FOCUS_UNDATED',
      `${undated.n} charge(s) have credits but no organization or no date (JOB_RUN_DATE and the job's times are all empty), so they cannot be FOCUS rows, which need a billing account and a charge period: fix or re-export the input.`,
    )
  }
  // Such a row's credit columns would become charges that no TOTAL_CREDITS accounts for: the rows could not add
  // up to the input's credits, and FOCUS cannot tell which of the two is right.
  const [untotalled] = (
    await connection.runAndReadAll(
      `SELECT count(*) AS n FROM load_rows WHERE TOTAL_CREDITS IS NULL AND (${CREDIT_SOURCES.map((name) => `coalesce(${sqlIdent(name)}, 0) <> 0`).join(' OR ')})`,
    )
  ).getRowObjectsJson()
  if (Number(untotalled.n) > 0) {
    throw new InputFileError(
      'E_FOCUS_NO_TOTAL',
      `${untotalled.n} row(s) have credits in their credit columns but an empty TOTAL_CREDITS, so their FOCUS rows could not add up to the input's TOTAL_CREDITS: fix or re-export the input.`,
    )
  }
  const columns = focusColumns(withTeam).map((column) => `${column.sql} AS ${sqlIdent(column.name)}`)
  return {
    select: `${charges()} SELECT ${columns.join(', ')}, strftime(period_start, '%Y-%m') AS ${MONTH_PARTITION} FROM charges`,
    // ChargePeriodStart is the job's start when it has one, else its day: such a row is replaced with its day.
    keys: {org: 'BillingAccountId', day: 'x_JobRunDate', job: 'ResourceId', started: 'ChargePeriodStart'},
    credits: 'PricingQuantity',
    rowPerInputRow: false,
  }
}
