/** The history flags, shared by `report` (reads a history) and `run` (updates it, then reads it). */
import {Flags} from '@oclif/core'

import {BadInputError} from '../core/errors.js'
import {loadBudgets, type Budget} from './budgets.js'
import {DEFAULT_TREND_WEEKS, MAX_TREND_WEEKS} from './plan.js'

export const historyFlags = {
  history: Flags.string({
    description: 'Folder of the usage history (daily rollups kept between runs): adds the trend, month-end forecast, budgets and anomalies.',
    helpGroup: 'HISTORY',
  }),
  'trend-weeks': Flags.integer({
    min: 1,
    max: MAX_TREND_WEEKS,
    default: DEFAULT_TREND_WEEKS,
    description: `ISO weeks in the trend, 1 to ${MAX_TREND_WEEKS}.`,
    helpGroup: 'HISTORY',
  }),
  budgets: Flags.string({
    description: 'YAML or JSON file of budgets: [{scope: org|team|project, name, period: week|month, credits: N}] (or usd: N with --credit-price). Needs --history.',
    helpGroup: 'HISTORY',
  }),
}

/** Loads --budgets (before any export is spent on a run with a bad file). */
export async function budgetsFromFlags(flags: {budgets?: string; history?: string}, context: {creditPrice: number | null; hasTeams: boolean; historyImplied?: boolean}): Promise<Budget[] | null> {
  if (flags.budgets === undefined) return null
  if (!flags.history && !context.historyImplied) {
    throw new BadInputError('E_BUDGETS_NO_HISTORY', '--budgets needs --history DIR: budgets are judged on the history (a month-end projection needs past days).')
  }
  return loadBudgets(flags.budgets, context)
}
