/** The report of the week of 2024-11-11 with a history, as the tests of small hand-made exports run it. */
import {join} from 'node:path'

import type {Summary} from '../../src/analysis/summary.js'
import type {Budget} from '../../src/history/budgets.js'
import {generateReport} from '../../src/report/index.js'

/**
 * `report --start 2024-11-11 --end 2024-11-17` over `input` on 2024-11-25, keeping its history (2 trend weeks,
 * `budgets`) in `dir`/history, which the run updates with that week of `organizations`.
 */
export async function reportWeekWithHistory(
  dir: string,
  input: string,
  options: {budgets: Budget[]; organizations: string[]; teamsFile?: string; log: (line: string) => void},
): Promise<Summary> {
  const {summary} = await generateReport(
    {
      inputs: [input],
      outDir: join(dir, 'out'),
      filters: {since: '2024-11-11', until: '2024-11-17'},
      ...(options.teamsFile ? {teamsFile: options.teamsFile} : {}),
      history: {
        dir: join(dir, 'history'),
        trendWeeks: 2,
        budgets: options.budgets,
        update: {organizations: options.organizations, windows: [{start: '2024-11-11T00:00:00.000Z', end: '2024-11-18T00:00:00.000Z'}]},
      },
    },
    {clock: () => new Date('2024-11-25T06:00:00Z'), log: options.log},
  )
  return summary
}
