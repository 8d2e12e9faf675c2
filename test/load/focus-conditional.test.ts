/**
 * FOCUS 1.2 columns beyond the Mandatory ones whose conditions hold for CircleCI, checked row by row as the FinOps
 * Foundation's focus-validator would with those conditions declared (its model-1.2.json rules): CircleCI measures
 * usage (ConsumedQuantity, ConsumedUnit), publishes a price list (SkuPriceId, SkuMeter, SkuPriceDetails) and prices
 * in a virtual currency, credits, billed in USD (PricingCurrency and the three PricingCurrency price and cost
 * columns). Without them a validator rejects the dataset for missing columns that MUST be present.
 */
import {join} from 'node:path'

import {runCli} from '../helpers/cli.js'
import {GOLDEN_EXPORT} from '../helpers/repo.js'
import {goldenLines, microCredits, sumMicroCredits} from './fixtures.js'
import {lakeTestFolder, query} from './lake-read.js'

const {maybe, fresh} = lakeTestFolder('the FOCUS conditional-column tests', 'cci-usage-focus-conditional-')

const CONDITIONAL = [
  'ConsumedQuantity', 'ConsumedUnit', 'PricingCurrency', 'PricingCurrencyContractedUnitPrice', 'PricingCurrencyEffectiveCost',
  'PricingCurrencyListUnitPrice', 'SkuId', 'SkuMeter', 'SkuPriceDetails', 'SkuPriceId',
]
// chargefrequency.md and servicesubcategory.md (Recommended): their allowed values.
const CHARGE_FREQUENCIES = ['One-Time', 'Recurring', 'Usage-Based']
const DEVELOPER_TOOLS_SUBCATEGORIES = [
  'Developer Platforms', 'Continuous Integration and Deployment', 'Development Environments', 'Source Code Management', 'Quality Assurance',
  'Other (Developer Tools)',
]

describe('load --to focus: the Conditional columns that apply to CircleCI', () => {
  maybe('are present and keep the spec\'s row rules on every row; the credits are exact in ConsumedQuantity and PricingCurrencyEffectiveCost', async () => {
    const dir = fresh('focus')
    const result = await runCli(['load', '--input', GOLDEN_EXPORT, '--to', `focus:${dir}`, '--credit-price', '0.0006'])
    expect(result.stderr).not.toMatch(/^Error/m)
    expect(result.code).toBe(0)
    const source = `read_parquet('${join(dir, '*', '*.parquet')}')`
    const columns = (await query(`DESCRIBE SELECT * FROM ${source}`)).map((row) => String(row.column_name))
    expect(CONDITIONAL.filter((name) => !columns.includes(name))).toEqual([])
    expect(['ChargeFrequency', 'ServiceSubcategory'].filter((name) => !columns.includes(name))).toEqual([])

    // Each count is of rows breaking one rule of the column's specification/columns/*.md; all rows are Usage,
    // none a correction (ChargeClass null), so the "MUST NOT be null when ChargeCategory is Usage" rules apply to all.
    const [broken] = await query(`SELECT
        count(*) FILTER (WHERE ChargeCategory <> 'Usage' OR ChargeClass IS NOT NULL) AS not_plain_usage,
        count(*) FILTER (WHERE ConsumedQuantity IS NULL) AS consumed_null,
        count(*) FILTER (WHERE (ConsumedUnit IS NULL) <> (ConsumedQuantity IS NULL)) AS consumed_unit,
        count(*) FILTER (WHERE PricingCurrency IS NULL OR PricingCurrencyEffectiveCost IS NULL) AS pricing_currency_null,
        count(*) FILTER (WHERE PricingCurrencyListUnitPrice IS NULL OR PricingCurrencyListUnitPrice < 0
          OR PricingCurrencyContractedUnitPrice IS NULL OR PricingCurrencyContractedUnitPrice < 0) AS pricing_currency_price,
        count(*) FILTER (WHERE PricingCurrencyContractedUnitPrice * PricingQuantity <> PricingCurrencyEffectiveCost) AS pricing_currency_cost,
        count(*) FILTER (WHERE ListUnitPrice * PricingQuantity <> ListCost OR ContractedUnitPrice * PricingQuantity <> ContractedCost) AS unit_price_cost,
        count(*) FILTER (WHERE SkuId IS NULL OR SkuPriceId IS NULL) AS sku_null,
        count(*) FILTER (WHERE SkuMeter IS NULL) AS meter_null,
        count(*) FILTER (WHERE SkuPriceId IS NULL AND SkuPriceDetails IS NOT NULL) AS details_without_price,
        count(*) FILTER (WHERE ChargeFrequency IS NULL OR ChargeFrequency NOT IN (${CHARGE_FREQUENCIES.map((value) => `'${value}'`).join(', ')})) AS frequency,
        count(*) FILTER (WHERE ServiceCategory <> 'Developer Tools'
          OR ServiceSubcategory IS NULL OR ServiceSubcategory NOT IN (${DEVELOPER_TOOLS_SUBCATEGORIES.map((value) => `'${value}'`).join(', ')})) AS subcategory
      FROM ${source}`)
    expect(broken).toEqual(Object.fromEntries(Object.keys(broken).map((name) => [name, '0'])))

    // skupriceid.md: one parent SkuId per SkuPriceId; skumeter.md: one SkuMeter per SkuId.
    const [groups] = await query(`SELECT
        (SELECT count(*) FROM (SELECT SkuPriceId FROM ${source} GROUP BY 1 HAVING count(DISTINCT SkuId) <> 1)) AS prices_with_skus,
        (SELECT count(*) FROM (SELECT SkuId FROM ${source} GROUP BY 1 HAVING count(DISTINCT SkuMeter) <> 1)) AS skus_with_meters`)
    expect(groups).toEqual({prices_with_skus: '0', skus_with_meters: '0'})

    const [sums] = await query(`SELECT CAST(sum(ConsumedQuantity) AS VARCHAR) AS consumed, CAST(sum(PricingCurrencyEffectiveCost) AS VARCHAR) AS credits FROM ${source}`)
    const credits = sumMicroCredits(goldenLines())
    expect([microCredits(String(sums.consumed)), microCredits(String(sums.credits))]).toEqual([credits, credits])
  })
})
