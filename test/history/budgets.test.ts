import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {EXIT_CODES, InputFileError} from '../../src/core/errors.js'
import {dollarsInCents} from '../../src/core/exact-money.js'
import {dayFromNumber, dayNumber} from '../../src/history/days.js'
import {budgetMatcher, budgetStatus, evaluateBudget, parseBudgets, periodOf, type Budget, type BudgetContext} from '../../src/history/budgets.js'
import {REPO_ROOT} from '../helpers/repo.js'

const context: BudgetContext = {creditPrice: 0.0006, hasTeams: true}

function failure(text: string, options: BudgetContext = context): InputFileError {
  try {
    parseBudgets('budgets.yml', text, options)
  } catch (error) {
    expect(error).toBeInstanceOf(InputFileError)
    expect((error as InputFileError).exitCode).toBe(EXIT_CODES.badInput)
    expect((error as Error).message.split('\n')).toHaveLength(1)
    return error as InputFileError
  }
  throw new Error('parseBudgets accepted the file')
}

describe('parseBudgets', () => {
  it('reads YAML (a budgets: list or a bare list) and JSON, keeping each entry\'s line', () => {
    const yaml = parseBudgets('b.yml', 'budgets:\n  - scope: org\n    name: acme\n    period: month\n    credits: 500000\n  - {scope: project, name: "web-*", period: week, usd: 300}\n', context)
    expect(yaml).toEqual([
      {scope: 'org', name: 'acme', period: 'month', limit: 500000, unit: 'credits', line: 2},
      {scope: 'project', name: 'web-*', period: 'week', limit: 300, unit: 'usd', line: 6},
    ])
    const json = parseBudgets('b.json', JSON.stringify([{scope: 'team', name: 'platform', period: 'week', credits: 1000}]), context)
    expect(json).toEqual([{scope: 'team', name: 'platform', period: 'week', limit: 1000, unit: 'credits', line: 1}])
  })

  it.each([
    ['not valid YAML', 'budgets:\n  - scope: org\n    name: [acme\n', /budgets\.yml, line \d+: not valid YAML\/JSON/],
    ['an unknown scope', 'budgets:\n  - scope: repo\n    name: acme\n    period: week\n    credits: 5\n', /budgets\.yml, line 2: scope must be one of org, team, project, got "repo"/],
    ['usd without --credit-price', 'budgets:\n  - scope: org\n    name: acme\n    period: week\n    usd: 5\n', /budgets\.yml, line 5: a usd budget needs --credit-price/],
    ['both credits and usd', 'budgets:\n  - scope: org\n    name: acme\n    period: week\n    credits: 5\n    usd: 5\n', /budgets\.yml, line 2: give either credits or usd, not both/],
    ['a negative limit', 'budgets:\n  - scope: org\n    name: acme\n    period: week\n    credits: -5\n', /budgets\.yml, line 5: credits must be a number above 0/],
    ['a limit that is not a number', 'budgets:\n  - scope: org\n    name: acme\n    period: week\n    credits: lots\n', /line 5: credits must be a number above 0, got "lots"/],
    ['an unknown field (a typo)', 'budgets:\n  - scope: org\n    name: acme\n    period: week\n    credit: 5\n', /line 5: unknown field "credit"/],
    ['a bad period', 'budgets:\n  - scope: org\n    name: acme\n    period: quarter\n    credits: 5\n', /line 4: period must be week or month/],
    ['no name', 'budgets:\n  - scope: org\n    period: week\n    credits: 5\n', /line 2: a budget needs a name/],
    ['no limit', 'budgets:\n  - scope: org\n    name: acme\n    period: week\n', /line 2: a budget needs a limit/],
    ['the wrong shape', 'teams:\n  a: [b]\n', /budgets\.yml, line 1: expected "budgets:/],
  ])('refuses %s with exit 2, naming the file and the line', (_name, text, message) => {
    const noPrice: BudgetContext = _name === 'usd without --credit-price' ? {...context, creditPrice: null} : context
    expect(failure(text, noPrice).message).toMatch(message)
  })

  it('refuses a team budget without --teams', () => {
    expect(failure('budgets:\n  - scope: team\n    name: x\n    period: week\n    credits: 5\n', {creditPrice: null, hasTeams: false}).message).toMatch(/line 2: a team budget needs --teams/)
  })

  it('loads the example of the README', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')
    const history = readme.slice(readme.indexOf('\n## History'))
    const example = /```yaml\n(budgets:\n[\s\S]*?)```/.exec(history)
    expect(example).not.toBeNull()
    const budgets = parseBudgets('README.md', example![1], context)
    expect(new Set(budgets.map((budget) => budget.scope))).toEqual(new Set(['org', 'team', 'project']))
    expect(new Set(budgets.map((budget) => budget.unit))).toEqual(new Set(['credits', 'usd']))
  })
})

describe('budget status', () => {
  it('is ok below 75 %, warn from 75 %, high from 90 %, over from 100 %', () => {
    expect([74.99, 75, 89.99, 90, 99.99, 100, 250].map(budgetStatus)).toEqual(['ok', 'warn', 'warn', 'high', 'high', 'over', 'over'])
  })

  it('judges the open ISO week (Monday to Sunday) on its projection, in credits or dollars', () => {
    expect(periodOf('week', '2024-11-13')).toEqual({start: '2024-11-11', end: '2024-11-18'})
    expect(periodOf('week', '2024-11-17')).toEqual({start: '2024-11-11', end: '2024-11-18'})
    expect(periodOf('month', '2024-02-10')).toEqual({start: '2024-02-01', end: '2024-03-01'})
    // 100 credits every day for 8 weeks: Monday to Wednesday spent 300, the week will reach 700.
    const series = new Map(Array.from({length: 59}, (_, index) => [dayFromNumber(dayNumber('2024-09-16') + index), 100]))
    const budget: Budget = {scope: 'project', name: 'api', period: 'week', limit: 800, unit: 'credits', line: 1}
    expect(evaluateBudget(budget, series, 300_000_000n, '2024-11-13', null)).toEqual({
      scope: 'project', name: 'api', period: 'week', limit: 800, unit: 'credits', actual: 300, projected: 700, pctOfLimit: 87.5, status: 'warn',
    })
    const dollars = evaluateBudget({...budget, unit: 'usd', limit: 0.42}, series, 300_000_000n, '2024-11-13', 0.0006)
    expect(dollars).toMatchObject({actual: 0.18, projected: 0.42, pctOfLimit: 100, status: 'over'})
  })

  it('gives dollars exact to the cent, as the report does: 1,675 credits at 0.0006 are $1.005, read $1.01', () => {
    // A closed week (the report's last day is its Sunday): nothing left to project, projected = actual.
    const week = Array.from({length: 35}, (_, index) => dayFromNumber(dayNumber('2024-10-14') + index))
    const series = new Map(week.map((day) => [day, 100]))
    const spent = 1_675_000_000n
    const budget: Budget = {scope: 'org', name: 'acme', period: 'week', limit: 2, unit: 'usd', line: 1}
    const status = evaluateBudget(budget, series, spent, '2024-11-17', 0.0006)
    expect(status.actual).toBe(dollarsInCents(spent, 0.0006))
    expect(status.actual).toBe(1.01)
    expect(status.projected).toBe(status.actual)
    expect(evaluateBudget({...budget, unit: 'credits', limit: 2000}, series, spent, '2024-11-17', null)).toMatchObject({actual: 1675, projected: 1675, pctOfLimit: 83.8})
  })
})

describe('budgetMatcher', () => {
  it('matches exact names, and globs as globs', () => {
    expect(budgetMatcher('web-*')('web-app')).toBe(true)
    expect(budgetMatcher('web-*')('api')).toBe(false)
    expect(budgetMatcher('api')('api')).toBe(true)
    expect(budgetMatcher('api')('api-2')).toBe(false)
    // A name that happens to hold glob characters still matches itself.
    expect(budgetMatcher('[legacy]')('[legacy]')).toBe(true)
  })
})
