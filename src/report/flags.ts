/** The report flags shared by `report` and `run`. */
import {Flags} from '@oclif/core'

import {CSV_DIMENSIONS} from '../analysis/build.js'
import {DEFAULT_TOP} from '../analysis/index.js'
import {BadInputError} from '../core/errors.js'
import {isPlainDecimal} from '../core/plain-number.js'

export const reportFlags = {
  format: Flags.string({char: 'f', options: ['table', 'markdown', 'csv', 'json'], default: 'table', description: 'What to print on stdout. Besides the projects: credits by team (with --teams) and job statuses; in csv each is a section with its own header after an empty line.'}),
  top: Flags.integer({default: DEFAULT_TOP, min: 1, description: 'Rows per breakdown; the rest are rolled into "other".'}),
  org: Flags.string({description: 'Only this organization (name or id; exact or glob such as "acme-*"; case-insensitive).'}),
  project: Flags.string({description: 'Only this project (exact or glob; case-insensitive).'}),
  branch: Flags.string({description: 'Only this branch (exact or glob, e.g. "release/*"; case-sensitive, as git branches are).'}),
  teams: Flags.string({description: 'YAML, JSON or CSV file mapping projects (names or globs) to teams.'}),
  'credit-price': Flags.string({description: "USD per credit, adds dollars (CircleCI's list price is 0.0006)."}),
  'group-by': Flags.string({multiple: true, delimiter: ',', description: `Extra by-<dim>.csv files: ${CSV_DIMENSIONS.join(', ')}.`}),
  'default-branch': Flags.string({
    multiple: true,
    description: "Health: a project's default branch, NAME for every project or PROJECT=NAME (repeatable). Default: main, else master, when the data has it.",
  }),
  'flaky-tests': Flags.boolean({
    default: false,
    description: 'Health: read flaky tests from CircleCI Insights for the (up to 20) projects with most credits and price them. Needs a CircleCI token.',
  }),
}

export function parsePrice(value: string): number {
  const price = Number(value)
  if (!isPlainDecimal(value) || !Number.isFinite(price) || price < 0) {
    throw new BadInputError('E_BAD_PRICE', `--credit-price ${value} is not a price: give USD per credit as a number >= 0, e.g. --credit-price 0.0006.`)
  }
  return price
}
