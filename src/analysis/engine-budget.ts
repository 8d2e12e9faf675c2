import type {DuckDBConnection} from '@duckdb/node-api'

import {sqlString} from './columns.js'
import type {EngineSettings} from './engine-settings.js'

/** The threads and memory limit each engine was opened with (withMemoryLimit restores them exactly). */
const budgets = new WeakMap<DuckDBConnection, EngineSettings>()

/** Called by openEngine with what it opened the engine with. */
export function rememberBudget(connection: DuckDBConnection, settings: EngineSettings): void {
  budgets.set(connection, settings)
}

const UNIT_MB: Record<string, number> = {bytes: 1 / 1048576, kib: 1 / 1024, mib: 1, gib: 1024, tib: 1024 * 1024}

/** DuckDB's memory_limit as it shows it ('143.0 MiB'), in MiB; null when it cannot be read. */
export function memoryLimitMb(shown: string): number | null {
  const match = /^\s*([\d.]+)\s*(bytes|KiB|MiB|GiB|TiB)\s*$/i.exec(shown)
  return match ? Number(match[1]) * UNIT_MB[match[2].toLowerCase()] : null
}

/** DuckDB's current thread count and memory limit in MiB (null when it cannot be read). */
export async function currentBudget(connection: DuckDBConnection): Promise<{threads: number; memoryMb: number | null}> {
  const settings = (await connection.runAndReadAll("SELECT current_setting('threads') AS threads, current_setting('memory_limit') AS memory")).getRowObjectsJS()[0]
  return {threads: Number(settings.threads), memoryMb: memoryLimitMb(String(settings.memory))}
}

/**
 * Runs `statement` with no more threads than DuckDB's memory budget holds at `mbPerThread`, then restores them: for
 * statements that fail rather than spill when each thread gets too little (history/queries.ts, the rollup).
 */
export async function withThreadsForBudget<T>(connection: DuckDBConnection, mbPerThread: number, statement: () => Promise<T>): Promise<T> {
  const {threads, memoryMb} = await currentBudget(connection)
  const fits = Math.max(1, Math.floor((memoryMb ?? 0) / mbPerThread))
  if (fits >= threads) return statement()
  await connection.run(`SET threads = ${fits}`)
  try {
    return await statement()
  } finally {
    await connection.run(`SET threads = ${threads}`)
  }
}

/**
 * Runs `work` with DuckDB's memory budget at most `mbPerThread` a thread (never raised), then sets it back to what
 * the engine was opened with (passes.ts: queries for which a cache of the table's blocks buys nothing).
 */
export async function withMemoryLimit<T>(connection: DuckDBConnection, mbPerThread: number, work: () => Promise<T>): Promise<T> {
  const opened = budgets.get(connection)
  const {threads, memoryMb: current} = await currentBudget(connection)
  const cut = mbPerThread * threads
  if (opened === undefined || current === null || current <= cut) return work()
  await connection.run(`SET memory_limit = '${cut}MiB'`)
  try {
    return await work()
  } finally {
    await connection.run(`SET memory_limit = ${sqlString(opened.memoryLimit)}`)
  }
}
