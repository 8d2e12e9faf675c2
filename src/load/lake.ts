/**
 * A folder of Parquet files partitioned `month=YYYY-MM/` (the lake, and the FOCUS rows), written by DuckDB.
 * A load writes its rows into a staging folder beside the target; every month it touches is then rebuilt from
 * the month's current rows that the load does not replace (the same rule as Postgres: whole days by
 * organization and day, other rows by JOB_ID) plus the new rows, and swapped in by renaming folders. A reader
 * sees a month's old files or its new files, never a mix and never a partly written file (between the two
 * renames of a swap, for an instant, the month's folder is absent). A lock file keeps two loads apart.
 */
import {randomBytes} from 'node:crypto'
import {existsSync} from 'node:fs'
import {mkdir, open, readdir, readFile, rename, rm, stat} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'

import {sqlIdent, sqlString} from '../analysis/columns.js'
import {translateReadError} from '../analysis/engine.js'
import {phase} from '../analysis/profile.js'
import {BadInputError} from '../core/errors.js'
import {MONTH_PARTITION} from './columns.js'
import type {LoadPlan} from './scan.js'

export interface LakeDataset {
  /** A SELECT over `load_rows` giving the files' columns plus MONTH_PARTITION. */
  select: string
  /** The written columns that identify an organization, a day and a job (for replacing old rows). */
  keys: {org: string; day: string; job: string}
  /** A SQL aggregate over the written columns that must equal the plan's credits (checked before any swap). */
  creditsSum: string
}

export interface LakeResult {
  rows: number
  credits: string
  months: string[]
  files: number
  bytes: number
}

const LOCK_FILE = '.cci-usage-load.lock'
const MONTH_DIR = new RegExp(`^${MONTH_PARTITION}=[^/]+$`)

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function takeLock(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_FILE)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx')
      await handle.writeFile(String(process.pid))
      await handle.close()
      return () => rm(path, {force: true})
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const pid = Number(await readFile(path, 'utf8').catch(() => ''))
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        throw new BadInputError('E_TARGET_LOCKED', `Another cci-usage load (pid ${pid}) is writing ${dir}: wait for it to finish, or delete ${path} if no load is running.`)
      }
      // A load that died left its lock behind: take it over.
      await rm(path, {force: true})
    }
  }
  throw new BadInputError('E_TARGET_LOCKED', `Cannot lock ${dir} (${LOCK_FILE}): delete it if no load is running.`)
}

async function monthDirs(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[])
  return names.filter((name) => MONTH_DIR.test(name)).sort()
}

async function folderSize(dir: string): Promise<{files: number; bytes: number}> {
  let files = 0
  let bytes = 0
  for (const month of await monthDirs(dir)) {
    for (const name of await readdir(join(dir, month))) {
      if (!name.endsWith('.parquet')) continue
      files++
      bytes += (await stat(join(dir, month, name))).size
    }
  }
  return {files, bytes}
}

const parquetGlob = (folder: string) => sqlString(join(folder, '*.parquet'))

export async function writeLake(dir: string, plan: LoadPlan, dataset: LakeDataset, log: (line: string) => void): Promise<LakeResult> {
  const {connection} = plan.source
  await mkdir(dir, {recursive: true})
  const release = await takeLock(dir)
  // Beside the target, so that renames stay on one file system, and outside it, so readers never list it.
  const work = join(dirname(dir), `.${basename(dir)}.cci-usage-${process.pid}-${randomBytes(4).toString('hex')}`)
  try {
    const staged = join(work, 'new')
    await mkdir(work, {recursive: true})
    try {
      await connection.run(`COPY (${dataset.select}) TO ${sqlString(staged)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (${MONTH_PARTITION}))`)
    } catch (error) {
      // Values the warehouse types refuse are the input's fault; anything else (memory, disk) is not.
      if (/Conversion Error|CSV Error|Invalid Input Error/i.test(String(error))) throw translateReadError(error, plan.files)
      throw error
    }
    phase('lake: staged')
    const stagedMonths = await monthDirs(staged)
    const expected = `CAST(${sqlString(plan.credits)} AS DECIMAL(38,6))`
    const [check] = (
      await connection.runAndReadAll(
        stagedMonths.length === 0
          ? `SELECT 0 AS n, '0' AS credits, ${expected} = 0 AS exact`
          : `SELECT count(*) AS n, CAST(coalesce(${dataset.creditsSum}, 0) AS VARCHAR) AS credits, coalesce(${dataset.creditsSum}, 0) = ${expected} AS exact
             FROM read_parquet(${sqlString(join(staged, '*', '*.parquet'))}, hive_partitioning = false)`,
      )
    ).getRowObjectsJson() as Array<{n: string; credits: string; exact: boolean}>
    if (!check.exact) {
      // A bug, not bad input: the rows written must carry exactly the input's credits.
      throw new Error(`the rows written to ${dir} add up to ${check.credits} credits where the input holds ${plan.credits}; nothing was replaced`)
    }

    const existing = new Set(await monthDirs(dir))
    const {org, day, job} = dataset.keys
    const replaced = `EXISTS (SELECT 1 FROM load_whole_pairs p WHERE p.org = t.${sqlIdent(org)} AND p.day = t.${sqlIdent(day)})
      OR t.${sqlIdent(job)} IN (SELECT job FROM load_edge_jobs)`
    // Old rows replaced by this load can sit in months it writes nothing to (FOCUS files rows by charge month).
    const touched = new Set(stagedMonths)
    if (existing.size > 0) {
      const old = (
        await connection.runAndReadAll(
          `SELECT DISTINCT ${MONTH_PARTITION} AS month FROM read_parquet(${sqlString(join(dir, `${MONTH_PARTITION}=*`, '*.parquet'))}, hive_partitioning = true, union_by_name = true) AS t WHERE ${replaced}`,
        )
      ).getRowObjectsJson() as Array<{month: string}>
      for (const row of old) touched.add(`${MONTH_PARTITION}=${row.month}`)
    }

    const merged = join(work, 'merged')
    const retired = join(work, 'old')
    await mkdir(merged, {recursive: true})
    await mkdir(retired, {recursive: true})
    const months = [...touched].sort()
    for (const month of months) {
      if (!existing.has(month)) {
        await rename(join(staged, month), join(dir, month))
        continue
      }
      const parts = [`SELECT * FROM read_parquet(${parquetGlob(join(dir, month))}, hive_partitioning = false, union_by_name = true) AS t WHERE NOT (${replaced})`]
      if (existsSync(join(staged, month))) parts.push(`SELECT * FROM read_parquet(${parquetGlob(join(staged, month))}, hive_partitioning = false)`)
      await mkdir(join(merged, month))
      await connection.run(
        `COPY (${parts.join(' UNION ALL BY NAME ')}) TO ${sqlString(join(merged, month, 'data_0.parquet'))} (FORMAT parquet, COMPRESSION zstd)`,
      )
      await rename(join(dir, month), join(retired, month))
      try {
        await rename(join(merged, month), join(dir, month))
      } catch (error) {
        await rename(join(retired, month), join(dir, month))
        throw error
      }
    }
    const size = await folderSize(dir)
    log(`Wrote ${months.length} month(s) of ${dir}: ${months.map((month) => month.slice(MONTH_PARTITION.length + 1)).join(', ') || 'none'}.`)
    return {rows: Number(check.n), credits: check.credits, months: months.map((month) => month.slice(MONTH_PARTITION.length + 1)), ...size}
  } finally {
    await rm(work, {recursive: true, force: true})
    await release()
  }
}
