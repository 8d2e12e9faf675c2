/**
 * Budgets: a YAML or JSON file of limits per organization, team or project, per ISO week (Monday to Sunday, UTC,
 * as CircleCI's own budgets) or calendar month, in credits or USD; each judged on the projection for the period
 * open on the report's last day.
 */
import {readFile} from 'node:fs/promises'

import picomatch from 'picomatch'
import {isMap, isScalar, isSeq, type Node as YamlNode} from 'yaml'

import {creditsToNumber, round} from '../analysis/build.js'
import type {BudgetStatus} from '../analysis/summary.js'
import {InputFileError} from '../core/errors.js'
import {comparePctOfLimit, dollarsInCents} from '../core/exact-money.js'
import {readYamlFile} from '../core/yaml-file.js'
import {unreadableFileError} from '../core/read-errors.js'
import {isoWeekStart, monthStart, nextMonthStart, shiftDay} from './days.js'
import {projectPeriod, spendPlusEstimate, type DailySeries} from './forecast.js'

export const BUDGET_SCOPES = ['org', 'team', 'project'] as const satisfies readonly BudgetStatus['scope'][]
export type BudgetScope = BudgetStatus['scope']
export const BUDGET_PERIODS = ['week', 'month'] as const satisfies readonly BudgetStatus['period'][]
export type BudgetPeriod = BudgetStatus['period']
export type BudgetUnit = BudgetStatus['unit']

export interface Budget {
  scope: BudgetScope
  /** An exact name or a glob (picomatch); a glob budgets the sum of everything it matches. */
  name: string
  period: BudgetPeriod
  limit: number
  unit: BudgetUnit
  /** Where the entry is written, for messages. */
  line: number | null
}

export type BudgetStatusName = BudgetStatus['status']

/** Status thresholds, in percent of the limit, judged on the projection. */
export const BUDGET_THRESHOLDS = {warn: 75, high: 90, over: 100} as const

export function budgetStatus(pct: number): BudgetStatusName {
  return statusWhere((threshold) => pct >= threshold)
}

/** The highest status whose threshold (percent of the limit) `reached` says the projection reached. */
function statusWhere(reached: (thresholdPct: number) => boolean): BudgetStatusName {
  if (reached(BUDGET_THRESHOLDS.over)) return 'over'
  if (reached(BUDGET_THRESHOLDS.high)) return 'high'
  if (reached(BUDGET_THRESHOLDS.warn)) return 'warn'
  return 'ok'
}

const KEYS = ['scope', 'name', 'period', 'credits', 'usd'] as const
const SHAPE = 'expected "budgets: [{scope: org|team|project, name: <name or glob>, period: week|month, credits: <N>}]" (or usd: <N> instead of credits)'

export interface BudgetContext {
  /** --credit-price, needed by usd limits. */
  creditPrice: number | null
  /** Whether --teams was given, needed by team budgets. */
  hasTeams: boolean
}

export async function loadBudgets(path: string, context: BudgetContext): Promise<Budget[]> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw unreadableFileError('E_BUDGETS_MISSING', 'Budgets file', path, '--budgets', error)
  })
  return parseBudgets(path, text, context)
}

/** YAML and JSON (a JSON document is YAML), every problem with its line. */
export function parseBudgets(path: string, text: string, context: BudgetContext): Budget[] {
  const {root: contents, lineOf, fail} = readYamlFile('Budgets file', 'E_BUDGETS_INVALID', path, text)
  let root = contents
  if (isMap(root)) {
    const only = root.items.length === 1 ? root.items[0] : undefined
    if (!only || (only.key as {value?: unknown})?.value !== 'budgets') fail(root, SHAPE)
    root = only!.value as YamlNode | null
  }
  if (!isSeq(root)) fail(root, SHAPE)
  const budgets: Budget[] = []
  for (const item of (root as unknown as {items: YamlNode[]}).items) {
    if (!isMap(item)) fail(item, `each budget must be a map; ${SHAPE}`)
    const entry = item as unknown as {items: {key: YamlNode & {value?: unknown}; value: YamlNode | null}[]}
    const fields = new Map<string, YamlNode | null>()
    for (const pair of entry.items) {
      const key = String(pair.key?.value ?? '')
      if (!(KEYS as readonly string[]).includes(key)) fail(pair.key, `unknown field "${key}" (a budget has ${KEYS.join(', ')})`)
      fields.set(key, pair.value)
    }
    const text = (key: string): string | undefined => {
      const node = fields.get(key)
      return isScalar(node) && node.value !== null && node.value !== undefined ? String(node.value).trim() : undefined
    }
    const where = (key: string) => fields.get(key) ?? item
    const scope = text('scope')
    if (!scope || !(BUDGET_SCOPES as readonly string[]).includes(scope)) fail(where('scope'), `scope must be one of ${BUDGET_SCOPES.join(', ')}, got ${JSON.stringify(scope ?? null)}`)
    if (scope === 'team' && !context.hasTeams) fail(where('scope'), 'a team budget needs --teams FILE mapping projects to teams')
    const name = text('name')
    if (!name) fail(where('name'), 'a budget needs a name (an exact name or a glob such as "web-*")')
    const period = text('period')
    if (!period || !(BUDGET_PERIODS as readonly string[]).includes(period)) fail(where('period'), `period must be week or month, got ${JSON.stringify(period ?? null)}`)
    if (fields.has('credits') && fields.has('usd')) fail(item, 'give either credits or usd, not both')
    const unit: BudgetUnit = fields.has('usd') ? 'usd' : 'credits'
    if (!fields.has(unit)) fail(item, 'a budget needs a limit: credits: <N> or usd: <N>')
    const node = fields.get(unit)
    const limit = isScalar(node) && typeof node.value === 'number' ? node.value : Number.NaN
    if (!Number.isFinite(limit) || limit <= 0) fail(node ?? item, `${unit} must be a number above 0, got ${JSON.stringify(text(unit) ?? null)}`)
    if (unit === 'usd' && (context.creditPrice === null || context.creditPrice <= 0)) fail(node ?? item, 'a usd budget needs --credit-price (USD per credit, e.g. 0.0006)')
    budgets.push({scope: scope as BudgetScope, name: name!, period: period as BudgetPeriod, limit, unit, line: lineOf(item)})
  }
  return budgets
}

/** True when `value` is the budget's name or matches it as a glob (exact names never need escaping). */
export function budgetMatcher(name: string): (value: string) => boolean {
  const glob = picomatch.scan(name).isGlob ? picomatch(name, {dot: true}) : null
  return (value) => value === name || (glob !== null && glob(value))
}

/** The week or month holding `day`. */
export function periodOf(period: BudgetPeriod, day: string): {start: string; end: string} {
  if (period === 'week') {
    const start = isoWeekStart(day)
    return {start, end: shiftDay(start, 7)}
  }
  return {start: monthStart(day), end: nextMonthStart(day)}
}

/**
 * Judges one budget on its scope's daily credits (`series`: the matching scopes summed) and the exact
 * micro-credits spent so far in its open period (`actualMicro`). Dollars are micro-credits x price in exact
 * decimals rounded once to the cent, as everywhere else in the report (core/exact-money): a float product
 * rounds 1,675 credits at 0.0006 ($1.005) to $1.00 where the report's own total reads $1.01.
 */
export function evaluateBudget(budget: Budget, series: DailySeries, actualMicro: bigint, asOfDay: string, creditPrice: number | null): BudgetStatus {
  const actualCredits = creditsToNumber(actualMicro)
  const projection = projectPeriod(series, periodOf(budget.period, asOfDay), asOfDay, actualCredits, undefined, false)
  // Judged on the figure it shows: what was spent, exactly, plus the estimate of the days left.
  const projectedMicro = spendPlusEstimate(actualMicro, projection.projected - actualCredits)
  const usd = budget.unit === 'usd'
  const price = creditPrice ?? 0
  const projectedCredits = creditsToNumber(projectedMicro)
  const projected = usd ? dollarsInCents(projectedMicro, price) : projectedCredits
  const pct = ((usd ? projectedCredits * price : projectedCredits) / budget.limit) * 100
  // Judged on projected / limit x 100 in exact decimals: the float quotient falls a hair short of a threshold.
  const status = statusWhere((threshold) => comparePctOfLimit(projectedMicro, usd ? price : null, budget.limit, threshold) >= 0)
  return {
    scope: budget.scope,
    name: budget.name,
    period: budget.period,
    limit: budget.limit,
    unit: budget.unit,
    actual: usd ? dollarsInCents(actualMicro, price) : actualCredits,
    projected,
    pctOfLimit: shownPct(round(pct, 1), status),
    status,
  }
}

/**
 * The percent every medium prints beside the status, one decimal, never at or past a threshold the status has not
 * reached: a micro-credit short of 75 % rounds to 75.0, which read "ok ... (75.0%)" where warn starts at 75 %.
 */
function shownPct(rounded: number, status: BudgetStatusName): number {
  const reached = status === 'ok' ? 0 : BUDGET_THRESHOLDS[status]
  const next = Math.min(...Object.values(BUDGET_THRESHOLDS).filter((threshold) => threshold > reached))
  return rounded >= next ? round(next - 0.1, 1) : rounded
}
