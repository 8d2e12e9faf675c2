/**
 * A folder of Parquet files partitioned `month=YYYY-MM/` (the lake, and the FOCUS rows), written by DuckDB.
 *
 * A load works in a folder beside the target (withLakeWork), so that renames stay on one file system and readers
 * never list it: it stages the input there (stage.ts), then prepares every month it touches: the month's current
 * files whose rows it replaces none of are linked in unchanged, the rows of the others that it does not replace
 * (the same rule as Postgres: whole days by organization and day, other rows by JOB_ID) are rewritten into one
 * file, and its own new files are renamed in. Each prepared month is checked (rows and credits exact) before any
 * is published; then the months are swapped in by renaming folders, and a failure puts back the months already
 * swapped (swap.ts). A reader sees a month's old files or its new files, never a mix and never a partly written
 * file (between the two renames of a swap, for an instant, the month's folder is absent). A lock file keeps two
 * loads apart, and the work folders of loads that died are removed by the next load, which first puts back the
 * months of a load that died during its swap (from the swap plan it wrote; without one it refuses to load until
 * the user has put them back).
 */
import {randomBytes} from 'node:crypto'
import {existsSync, rmSync} from 'node:fs'
import {copyFile, link, mkdir, readdir, rename, rm, stat, writeFile} from 'node:fs/promises'
import {basename, dirname, join, resolve} from 'node:path'

import type {DuckDBConnection} from '@duckdb/node-api'

import {sqlIdent, sqlString} from '../analysis/columns.js'
import {phase} from '../analysis/profile.js'
import {cleanUpOnExit} from '../core/exit-cleanup.js'
import {acquireFolderLock} from '../core/folder-lock.js'
import {BadInputError} from '../core/errors.js'
import {escapeRegExp} from '../core/escape-reg-exp.js'
import {asFileSystemError, makeFolders} from '../core/fs-errors.js'
import {writeJsonAtomic} from '../core/atomic.js'
import {readJson} from '../core/json-file.js'
import {CREDIT_SCALE, MONTH_PARTITION} from './columns.js'
import {replacedOnWholeDay} from './plan.js'
import {INPUT_PARTITION, PARQUET_OPTIONS, type StagedLoad} from './stage.js'
import {RollbackFailed, rollBackInterruptedSwap, swapFolders, type FolderSwap} from './swap.js'

export interface LakeDataset {
  /**
   * A SELECT over `load_rows` giving the files' columns plus MONTH_PARTITION; null when the files are the staged
   * rows themselves (the Parquet lake), which are then published as staged unless the plan drops rows.
   */
  select: string | null
  /**
   * The written columns that identify an organization, a day and a job, and when the job started (for replacing
   * old rows: a whole-day replace spares a job that started after the input's window).
   */
  keys: {org: string; day: string; job: string; started: string}
  /** The written column whose sum must equal the plan's credits (checked before anything is published). */
  credits: string
  /** Whether the files hold one row per loaded row (so their count must equal the plan's rows). */
  rowPerInputRow: boolean
}

export interface LakeResult {
  rows: number
  credits: string
  months: string[]
  files: number
  bytes: number
}

const LOCK_FILE = '.cci-usage-load.lock'
/**
 * Written into the work folder once every month is swapped in: from then on, retired/ holds only the files the
 * lake no longer needs, so a load killed while it cleaned up (retired/ still full) is finished by the next load
 * instead of being taken for a failed rollback.
 */
export const PUBLISHED_MARKER = 'published'
const MONTH_DIR = new RegExp(`^${MONTH_PARTITION}=[^/]+$`)

/** A lake's folder is chosen by `load --to` or `run --load-to`, not --out. */
const LAKE_ADVICE = {flag: '--to (or --load-to)'}

const workPrefix = (dir: string) => `.${basename(dir)}.cci-usage-`

/** The months a load is about to swap, written into its work folder before the first rename (SWAP_PLAN). */
interface SwapPlan {
  swaps: {month: string; prepared: boolean; hadLive: boolean}[]
}
const SWAP_PLAN = 'swap-plan.json'

/**
 * Removes the work folders left by loads of `dir` that died (the lock proves none of them is running). A load
 * that died during its swap (killed, or its own rollback failed) left some months new, some old, one perhaps
 * absent, and the only copy of the old ones in its `retired/`: from its SWAP_PLAN the lake is put back as it was
 * before that load, and `warn` says so. Without a plan (a load of an earlier version) or when putting back fails,
 * deleting the folder would lose those months, so the load stops until the user has put them back. A folder
 * holding PUBLISHED_MARKER had swapped every month in and died while cleaning up: its retired/ holds only
 * superseded files.
 */
async function clearLeftovers(dir: string, warn: (line: string) => void): Promise<void> {
  const parent = dirname(dir)
  const leftover = new RegExp(`^${escapeRegExp(workPrefix(dir))}\\d+-[0-9a-f]{8}$`)
  for (const name of (await readdir(parent)).filter((entry) => leftover.test(entry)).sort()) {
    const folder = join(parent, name)
    if (!existsSync(join(folder, PUBLISHED_MARKER))) {
      const plan = await readJson<SwapPlan>(join(folder, SWAP_PLAN))
      const retiredNow = async () => (await readdir(join(folder, 'retired')).catch(() => [] as string[])).sort()
      // `failure`: why this load's putting back failed; the next load tries again, so fixing that is enough.
      const refusal = (retired: string[], failure?: string) =>
        new BadInputError(
          'E_TARGET_RETIRED',
          retired.length === 0
            ? `A load of ${dir} stopped during its swap, and putting its months back failed (${failure}): fix that and load again (the next load puts them back); ${folder} is kept until then.`
            : `${folder} holds ${retired.join(', ')} in retired/, the previous files of ${dir} that a failed load could not put back${failure ? ` (putting them back failed: ${failure})` : ''}: ${failure ? 'fix that and load again (the next load puts them back), or ' : ''}move each of them back into ${dir} (in place of the folder of the same name there, if any), then delete ${folder} and load again.`,
        )
      if (plan !== undefined && Array.isArray(plan.swaps)) {
        const swaps = plan.swaps.map((step) => ({...monthSwap(dir, folder, step.month, step.prepared), hadLive: step.hadLive}))
        const discarded = join(folder, 'discarded')
        const changed = await mkdir(discarded, {recursive: true})
          .then(() => rollBackInterruptedSwap(swaps, discarded, {rename, exists: existsSync}))
          .catch(async (error: unknown) => {
            // Named as the folder is now: the months put back before the failure are no longer in retired/.
            throw refusal(await retiredNow(), error instanceof Error ? error.message : String(error))
          })
        if (changed.length > 0) {
          warn(
            `A load of ${dir} stopped during its swap (killed, or its rollback failed) and left ${changed.map((live) => basename(live)).join(', ')} as that load made them or absent: put back as they were before it. Its rows are not in ${dir}: load its export again (run --load-to does on its next run).`,
          )
        }
      } else {
        const retired = await retiredNow()
        if (retired.length > 0) throw refusal(retired)
      }
    }
    await removeWorkFolder(folder)
  }
}

/**
 * Where a month of `dir` is while a load working in `work` swaps it: what the load writes and what the next load
 * puts back from its swap plan name the same folders. `prepared` false: the month is removed, nothing replaces it.
 */
function monthSwap(dir: string, work: string, month: string, prepared: boolean): FolderSwap {
  return {live: join(dir, month), retired: join(work, 'retired', month), prepared: prepared ? preparedMonth(work, month) : null}
}

/** Where a load builds a month's new folder before the swap. */
const preparedMonth = (work: string, month: string) => join(work, 'months', month)

/**
 * Removes a work folder whose months are settled (published, or put back) so that, killed at any point, what is
 * left still reads so: the swap plan first, then retired/ (while the marker is there, what is left of it is known
 * to be superseded), then the rest.
 */
async function removeWorkFolder(work: string): Promise<void> {
  await rm(join(work, SWAP_PLAN), {force: true})
  await rm(join(work, 'retired'), {recursive: true, force: true})
  await rm(work, {recursive: true, force: true})
}

/**
 * The work folder goes in DIR's parent and its months are renamed into DIR, so both must be one file system. A
 * folder that is a mount point (`docker run -v "$PWD/lake:/lake"`, a disk of its own) is not: as a user who may
 * not write the parent, the load failed on the work folder and said to choose a folder one can write, which DIR
 * is; as root, it staged everything and then failed its first rename with EXDEV, "unexpected" (exit 1).
 */
async function refuseMountPoint(dir: string): Promise<void> {
  const parent = dirname(resolve(dir))
  const [own, parents] = await Promise.all([stat(dir), stat(parent)])
  if (own.dev === parents.dev) return
  throw new BadInputError(
    'E_TARGET_MOUNT_POINT',
    `${dir} is a mount point (${parent} is another file system), and a load prepares its files beside the folder, in ${parent}, to rename them in: give a folder inside it with ${LAKE_ADVICE.flag}, such as ${join(dir, 'lake')} (in a container, mount the lake's parent folder and name the lake under it).`,
  )
}

/** Runs `write` with the lake locked and a fresh work folder beside it; removes the work folder afterwards. */
export async function withLakeWork<T>(dir: string, write: (work: string) => Promise<T>, warn: (line: string) => void): Promise<T> {
  // A file in the way, no permission, a read-only disk: the user's to fix (exit 2), named with the flag that chose it.
  await makeFolders(dir, LAKE_ADVICE)
  await refuseMountPoint(dir)
  // The same lock as an --out folder's (its own file name): one creator wins, a half-written lock is waited for,
  // and a dead holder's is taken over without removing a lock another load has just made.
  const lock = await acquireFolderLock(dir, 'load', {lockFile: LOCK_FILE, flag: LAKE_ADVICE.flag, lockedCode: 'E_TARGET_LOCKED'})
  try {
    await clearLeftovers(dir, warn)
  } catch (error) {
    lock.release()
    throw error
  }
  const parent = dirname(dir)
  const work = join(parent, `${workPrefix(dir)}${process.pid}-${randomBytes(4).toString('hex')}`)
  // A signal ends the process without the finally below. The work folder goes (before the lock, which releases
  // itself on exit), unless the swap has begun (retired/ exists): then it may hold the only copy of a month, for
  // the next load to examine.
  const forgetOnExit = cleanUpOnExit(() => {
    if (!existsSync(join(work, 'retired'))) rmSync(work, {recursive: true, force: true})
  })
  let keepWork = false
  try {
    await mkdir(work)
    return await write(work)
  } catch (error) {
    keepWork = error instanceof RollbackFailed
    throw asFileSystemError(error, undefined, LAKE_ADVICE)
  } finally {
    if (!keepWork) await removeWorkFolder(work)
    forgetOnExit()
    lock.release()
  }
}

async function monthDirs(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[])
  return names.filter((name) => MONTH_DIR.test(name)).sort()
}

async function parquetFiles(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((name) => name.endsWith('.parquet')).sort().map((name) => join(dir, name))
}

async function folderSize(dir: string): Promise<{files: number; bytes: number}> {
  let files = 0
  let bytes = 0
  for (const month of await monthDirs(dir)) {
    for (const path of await parquetFiles(join(dir, month))) {
      files++
      bytes += (await stat(path)).size
    }
  }
  return {files, bytes}
}

const fileList = (paths: readonly string[]) => `[${paths.map((path) => sqlString(path)).join(', ')}]`
const decimal = (text: string) => `CAST(${sqlString(text)} AS DECIMAL(38,6))`

type Row = Record<string, string | boolean | null>
async function rows(connection: DuckDBConnection, sql: string): Promise<Row[]> {
  return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Row[]
}

/** A hard link when the file system allows it (same inode, no bytes copied), else a copy. */
async function linkOrCopy(from: string, to: string): Promise<void> {
  await link(from, to).catch(() => copyFile(from, to))
}

/** The load's new files per month folder: the staged files as they are, or the dataset's rows written anew. */
async function newFiles(connection: DuckDBConnection, work: string, staged: StagedLoad, dataset: LakeDataset): Promise<Map<string, string[]>> {
  if (dataset.select === null && staged.publishable) return staged.stagedFiles
  const folder = join(work, 'new')
  const select = dataset.select ?? `SELECT * EXCLUDE (${INPUT_PARTITION}) FROM load_rows`
  await connection.run(`COPY (${select}) TO ${sqlString(folder)} (${PARQUET_OPTIONS}, PARTITION_BY (${MONTH_PARTITION}))`)
  const byMonth = new Map<string, string[]>()
  for (const month of await monthDirs(folder)) byMonth.set(month, await parquetFiles(join(folder, month)))
  return byMonth
}

/**
 * The month folders' files must be ones a load of this kind wrote: the keys that decide what a load replaces, and
 * credits as a decimal of six places. A foreign file (another tool's, a different schema, not Parquet) would
 * otherwise fail the queries below with DuckDB's multi-line binder error, or mix inexact credits into the checks.
 */
async function checkOldFiles(connection: DuckDBConnection, dir: string, paths: readonly string[], dataset: LakeDataset): Promise<void> {
  const {org, day, job, started} = dataset.keys
  for (const path of paths) {
    let problem: string | null
    try {
      const types = new Map((await rows(connection, `DESCRIBE SELECT * FROM read_parquet(${sqlString(path)}, hive_partitioning = false)`)).map((row) => [String(row.column_name), String(row.column_type)]))
      const missing = [org, day, job, started, dataset.credits].filter((name) => !types.has(name))
      const scale = Number(/^DECIMAL\(\d+,(\d+)\)$/.exec(types.get(dataset.credits) ?? '')?.[1] ?? -1)
      problem =
        missing.length > 0
          ? `it lacks column(s) ${missing.join(', ')}`
          : scale < CREDIT_SCALE
            ? `its ${dataset.credits} is ${types.get(dataset.credits)}, not a decimal of ${CREDIT_SCALE} places`
            : null
    } catch (error) {
      problem = `it cannot be read as Parquet (${String((error as Error).message ?? error).split('\n')[0]})`
    }
    if (problem !== null) {
      throw new BadInputError(
        'E_TARGET_FILES',
        `${path} is not a file this load wrote into ${dir}: ${problem}. Move it out of the month folders (or load into a new folder); nothing was changed.`,
      )
    }
  }
}

/**
 * Anything in a month folder besides Parquet files (a note, a `_SUCCESS` marker, a folder) is not a file this load
 * wrote either: a month the load rewrites is swapped in whole, so it would be dropped with the folder it replaces.
 */
async function checkOtherEntries(dir: string, months: readonly string[]): Promise<void> {
  for (const month of months) {
    const folder = join(dir, month)
    const other = (await readdir(folder, {withFileTypes: true})).find((entry) => !(entry.isFile() && entry.name.endsWith('.parquet')))
    if (other) {
      throw new BadInputError(
        'E_TARGET_FILES',
        `${join(folder, other.name)} is not a file this load wrote into ${dir}: it is not a .parquet file, and a month the load rewrites is replaced whole. Move it out of the month folders (or load into a new folder); nothing was changed.`,
      )
    }
  }
}

export async function writeLake(dir: string, work: string, staged: StagedLoad, dataset: LakeDataset, log: (line: string) => void): Promise<LakeResult> {
  const {connection, plan} = staged
  const credits = sqlIdent(dataset.credits)
  const fresh = await newFiles(connection, work, staged, dataset)
  phase('lake: rows written')

  // The new files must hold exactly the plan's rows and credits.
  const freshPaths = [...fresh.values()].flat()
  const perFile = freshPaths.length === 0 ? [] : await rows(connection, `SELECT filename AS f, count(*) AS n, CAST(sum(${credits}) AS VARCHAR) AS c FROM read_parquet(${fileList(freshPaths)}, filename = true) GROUP BY filename`)
  const freshCredits = new Map(perFile.map((row) => [String(row.f), String(row.c ?? '0')]))
  const [check] = await rows(
    connection,
    `SELECT ${perFile.reduce((sum, row) => sum + Number(row.n), 0)} AS n, (${[...freshCredits.values(), '0'].map(decimal).join(' + ')}) = ${decimal(plan.credits)} AS exact, CAST(${[...freshCredits.values(), '0'].map(decimal).join(' + ')} AS VARCHAR) AS c`,
  )
  const freshRows = Number(check.n)
  if (check.exact !== true || (dataset.rowPerInputRow && freshRows !== plan.rows)) {
    // A bug, not bad input: the rows written must carry exactly the input's rows and credits.
    throw new Error(`the rows written for ${dir} are ${freshRows} with ${check.c} credits where the input holds ${plan.rows} with ${plan.credits}; nothing was replaced`)
  }

  // Old rows this load replaces, per existing file; months with any of them are rewritten even without new rows
  // (FOCUS files rows by charge month, so an old row can sit in a month the load writes nothing to).
  const {org, day, job, started} = dataset.keys
  const onReplacedDay = replacedOnWholeDay(`t.${sqlIdent(job)}`, `t.${sqlIdent(started)}`, 'p.window_end_ms')
  const replaced = `coalesce(EXISTS (SELECT 1 FROM load_whole_pairs p WHERE p.org = t.${sqlIdent(org)} AND p.day = t.${sqlIdent(day)} AND ${onReplacedDay})
      OR (t.${sqlIdent(job)} IS NOT NULL AND t.${sqlIdent(job)} IN (SELECT job FROM load_edge_jobs)), false)`
  const existing = await monthDirs(dir)
  const oldFiles = new Map<string, string[]>()
  for (const month of existing) oldFiles.set(month, await parquetFiles(join(dir, month)))
  const allOld = [...oldFiles.values()].flat()
  await checkOtherEntries(dir, existing)
  await checkOldFiles(connection, dir, allOld, dataset)
  const oldStats = new Map(
    (allOld.length === 0
      ? []
      : await rows(
          connection,
          `SELECT filename AS f, count(*) AS n, count(*) FILTER (WHERE ${replaced}) AS r, CAST(coalesce(sum(${credits}) FILTER (WHERE NOT ${replaced}), 0) AS VARCHAR) AS kept
           FROM read_parquet(${fileList(allOld)}, filename = true, hive_partitioning = false, union_by_name = true) AS t GROUP BY filename`,
        )
    ).map((row) => [String(row.f), {rows: Number(row.n), replaced: Number(row.r), keptCredits: String(row.kept)}]),
  )
  const touched = new Set(fresh.keys())
  for (const [month, paths] of oldFiles) if (paths.some((path) => (oldStats.get(path)?.replaced ?? 0) > 0)) touched.add(month)
  const months = [...touched].sort()

  const loadId = `${new Date().toISOString().replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}`
  const swaps: FolderSwap[] = []
  for (const month of months) {
    const folder = preparedMonth(work, month)
    await mkdir(folder, {recursive: true})
    const expected: string[] = []
    const partly: string[] = []
    for (const path of oldFiles.get(month) ?? []) {
      // A file without rows has no group: nothing in it is replaced.
      const stats = oldStats.get(path) ?? {rows: 0, replaced: 0, keptCredits: '0'}
      if (stats.replaced === 0) await linkOrCopy(path, join(folder, basename(path)))
      else if (stats.replaced < stats.rows) partly.push(path)
      if (stats.replaced < stats.rows) expected.push(stats.keptCredits)
    }
    if (partly.length > 0) {
      await connection.run(
        `COPY (SELECT * FROM read_parquet(${fileList(partly)}, hive_partitioning = false, union_by_name = true) AS t WHERE NOT ${replaced})
         TO ${sqlString(join(folder, `${loadId}-kept.parquet`))} (${PARQUET_OPTIONS})`,
      )
    }
    for (const [index, path] of (fresh.get(month) ?? []).entries()) {
      expected.push(freshCredits.get(path) ?? '0')
      await rename(path, join(folder, `${loadId}-${index}.parquet`))
    }
    const files = await parquetFiles(folder)
    if (files.length > 0) {
      const [monthCheck] = await rows(
        connection,
        `SELECT coalesce(sum(${credits}), 0) = (${[...expected, '0'].map(decimal).join(' + ')}) AS exact FROM read_parquet(${fileList(files)}, hive_partitioning = false, union_by_name = true)`,
      )
      if (monthCheck.exact !== true) throw new Error(`the files prepared for ${join(dir, month)} do not add up to its kept and new credits; nothing was replaced`)
    }
    swaps.push(monthSwap(dir, work, month, files.length > 0))
  }
  phase('lake: months prepared')
  // Before any rename: a load killed during the swap leaves what the next load needs to put the lake back.
  const swapPlan: SwapPlan = {swaps: swaps.map((swap) => ({month: basename(swap.live), prepared: swap.prepared !== null, hadLive: existsSync(swap.live)}))}
  await writeJsonAtomic(join(work, SWAP_PLAN), swapPlan)
  await mkdir(join(work, 'retired'), {recursive: true})
  await swapFolders(swaps, {rename, exists: existsSync})
  await writeFile(join(work, PUBLISHED_MARKER), '')
  // The plan goes as soon as the marker is there: a plan without its marker (rm takes a folder's entries in any
  // order) would read as this load killed during its swap, and the next load would undo it.
  await rm(join(work, SWAP_PLAN), {force: true})
  const size = await folderSize(dir)
  const names = months.map((month) => month.slice(MONTH_PARTITION.length + 1))
  log(`Wrote ${months.length} month(s) of ${dir}: ${names.join(', ') || 'none'}.`)
  return {rows: freshRows, credits: String(check.c), months: names, ...size}
}
