/**
 * `load` and `run --load-to`: put an export into a warehouse target (target.ts). First the plan (plan.ts): what
 * the load replaces, which repeated rows it drops, what it must end with. Postgres gets it from a narrow scan of
 * the CSV (scan.ts) before its COPY streams the CSV's bytes (postgres.ts); the Parquet lake (parquet.ts) and
 * FOCUS rows (focus.ts) read the CSV once, into staged Parquet (stage.ts), plan from that, and publish through
 * lake.ts.
 */
import {join} from 'node:path'

import {createTeamMatcher, loadTeamRules} from '../analysis/teams.js'
import {phase} from '../analysis/profile.js'
import {formatCredits} from '../core/format-credits.js'
import type {LoadWindow} from './coverage.js'
import {FOCUS_SOURCE_COLUMNS, FOCUS_STAGED_COLUMNS, focusDataset, priceText} from './focus.js'
import {withLakeWork, writeLake} from './lake.js'
import {lakeDataset} from './parquet.js'
import type {LoadPlan} from './plan.js'
import {connectPostgres, inspectTable, loadPostgres, reconnectIfClosed, uncheckedTlsWarning} from './postgres.js'
import {scanInputs} from './scan.js'
import {stageInputs} from './stage.js'
import type {LoadTarget} from './target.js'

export {parseTarget, type LoadTarget} from './target.js'
export type {LoadWindow} from './coverage.js'

export interface LoadOptions {
  inputs: string[]
  /** The export window, when known (run); see coverage.ts. */
  window?: LoadWindow | null
  /** USD per credit, for FOCUS costs. */
  creditPrice?: number | null
  teamsFile?: string
}

export interface LoadContext {
  log: (line: string) => void
  warn: (line: string) => void
}

export interface LoadResult {
  /** The target as printed: never a password. */
  target: string
  kind: LoadTarget['kind']
  rows: number
  /** TOTAL_CREDITS of the rows loaded, exact decimal text. */
  credits: string
  /** Days replaced whole, and the days whose rows replaced only rows with the same JOB_ID. */
  wholeDays: string[]
  partialDays: string[]
  duplicatesDropped: number
  skipped: {rows: number; credits: string}
  /** Postgres: rows deleted before the insert. */
  deleted?: number
  /** Lake and FOCUS: months rewritten, and the folder's Parquet files and bytes afterwards. */
  months?: string[]
  files?: number
  bytes?: number
  seconds: number
}

/**
 * What a load into `target` would refuse whatever the input: checked by `load` before the input is read and by
 * `run --load-to` before the export, which would otherwise spend export jobs and the report on a load that fails.
 */
export function checkLoadOptions(target: LoadTarget, options: Pick<LoadOptions, 'creditPrice'>): void {
  // A price the FOCUS rows cannot hold exactly is refused, not rounded.
  if (target.kind === 'focus') priceText(options.creditPrice ?? null)
}

export async function loadExport(target: LoadTarget, options: LoadOptions, context: LoadContext): Promise<LoadResult> {
  const started = performance.now()
  phase('load: start-up (node, oclif, modules)')
  if (target.kind === 'postgres') {
    const unchecked = uncheckedTlsWarning(target, process.env)
    if (unchecked) context.warn(unchecked)
    // Connected first, so that a wrong password or an unreachable host fails before the input is read.
    let client = await connectPostgres(target)
    const plan = await (async () => {
      // A table the load would fail on is refused before the input is read; the scan measures what only it can.
      const measure = await inspectTable(client, target)
      return scanInputs({inputs: options.inputs, window: options.window, measure})
    })().catch(async (error: unknown) => {
      await client.end().catch(() => undefined)
      throw error
    })
    phase('load: scan')
    reportPlan(plan, context)
    client = await reconnectIfClosed(client, target)
    const result = await loadPostgres(client, target, plan, context.log)
    phase('load: postgres committed')
    return {...planResult(target, plan), rows: result.rows, deleted: result.deleted, seconds: elapsed(started)}
  }
  checkLoadOptions(target, options)
  const teams = target.kind === 'focus' && options.teamsFile ? createTeamMatcher(await loadTeamRules(options.teamsFile)) : null
  return withLakeWork(target.dir, async (work) => {
    const staged = await stageInputs({
      inputs: options.inputs,
      window: options.window,
      dir: join(work, 'stage'),
      ...(target.kind === 'focus' ? {sourceColumns: FOCUS_SOURCE_COLUMNS, extraColumns: FOCUS_STAGED_COLUMNS} : {}),
    })
    try {
      reportPlan(staged.plan, context)
      if (target.kind === 'focus' && (options.creditPrice ?? null) === null) {
        context.warn('no --credit-price: the FOCUS costs (BilledCost, EffectiveCost, ListCost, ContractedCost) are 0; pass --credit-price (USD per credit) for dollars.')
      }
      const dataset = target.kind === 'parquet' ? lakeDataset() : await focusDataset(staged, {creditPrice: options.creditPrice ?? null, teams})
      const lake = await writeLake(target.dir, work, staged, dataset, context.log)
      phase('load: lake written')
      return {...planResult(target, staged.plan), rows: lake.rows, months: lake.months, files: lake.files, bytes: lake.bytes, seconds: elapsed(started)}
    } finally {
      await staged.close()
    }
  }, context.warn)
}

/** What the plan tells the user before the target is written. */
function reportPlan(plan: LoadPlan, context: LoadContext): void {
  for (const path of plan.withoutWindow) {
    context.log(`No export window known for ${path}: only the days between its first and last job start, each with the day after, are replaced whole; its other rows replace rows by JOB_ID.`)
  }
  if (plan.duplicatesDropped > 0) context.log(`${plan.duplicatesDropped} row(s) repeat a JOB_ID of a later input, or lie without a JOB_ID on a day a later input holds whole too, and are loaded once, from the later input.`)
  if (plan.skipped.rows > 0) {
    context.warn(
      `${plan.skipped.rows} row(s) (${formatCredits(Number(plan.skipped.credits))} credits) lie on days the input covers only in part and have no JOB_ID, so a later load could not replace them: not loaded. Load an export covering those whole days.`,
    )
  }
}

function planResult(target: LoadTarget, plan: LoadPlan): Omit<LoadResult, 'seconds'> {
  return {
    target: target.display,
    kind: target.kind,
    rows: plan.rows,
    credits: plan.credits,
    wholeDays: plan.wholeDays,
    partialDays: plan.partialDays,
    duplicatesDropped: plan.duplicatesDropped,
    skipped: plan.skipped,
  }
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started) / 1000
}

/** One line for the terminal. */
export function describeLoad(result: LoadResult): string {
  const what = result.kind === 'focus' ? 'FOCUS rows' : 'rows'
  const days = result.wholeDays.length + result.partialDays.length
  const detail = [
    `${days} day(s): ${result.wholeDays.length} replaced whole, ${result.partialDays.length} by JOB_ID`,
    result.deleted !== undefined ? `${result.deleted.toLocaleString('en-US')} old row(s) replaced` : undefined,
    result.months ? `month(s) ${result.months.join(', ') || 'none'}` : undefined,
  ].filter(Boolean)
  return `Loaded ${result.rows.toLocaleString('en-US')} ${what} (${formatCredits(Number(result.credits))} credits) into ${result.target} in ${result.seconds} s; ${detail.join('; ')}.`
}
