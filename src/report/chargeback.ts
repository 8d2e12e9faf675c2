import {join} from 'node:path'

import type {ChargebackRow} from '../analysis/chargeback.js'
import {exactDollars, formatMicroCredits} from '../core/exact-money.js'
import {escapeCell, writeCsvAtomic} from './csv.js'

export function chargebackFileName(month: string): string {
  return `chargeback-${month}.csv`
}

/**
 * chargeback-YYYY-MM.csv: team, organization, project, credits (and dollars with --credit-price), one row per
 * (team, org, project). Credits and dollars are exact decimals, so a spreadsheet's column sums equal the
 * report's totals; there is no total row to double-count. Names are spreadsheet-safe like every other CSV.
 */
export async function writeChargebackCsv(outDir: string, month: string, rows: ChargebackRow[], price: number | null): Promise<string> {
  const name = chargebackFileName(month)
  const headers = ['team', 'organization', 'project', 'credits', ...(price === null ? [] : ['dollars'])]
  const records = rows.map((row) => [
    escapeCell(row.team),
    escapeCell(row.org),
    escapeCell(row.project),
    formatMicroCredits(row.credits),
    ...(price === null ? [] : [exactDollars(row.credits, price)]),
  ])
  await writeCsvAtomic(join(outDir, name), headers, records)
  return name
}
