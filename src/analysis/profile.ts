/**
 * Opt-in timing for finding where a report's time goes. With CCI_USAGE_PROFILE=1 every `phase(label)` prints
 * `phase: <label> N ms, cpu C ms (at T ms, rss R MB, peak P MB)` to stderr, N being the wall time and C the CPU time (user +
 * system, all of the process's threads, DuckDB's included) since the previous phase: on a shared machine the CPU
 * time says where the work goes when the wall time only says how busy the machine was. The first phase's N
 * includes node start-up and module loading: performance.now() counts from process start.
 * CCI_USAGE_PROFILE=sql also prints every DuckDB statement with its wall and CPU time and DuckDB's own memory.
 * Off (the default) each call costs one boolean test.
 */
import {performance} from 'node:perf_hooks'

import type {DuckDBConnection} from '@duckdb/node-api'

import {redact} from '../core/secrets.js'

const setting = process.env.CCI_USAGE_PROFILE
const enabled = setting === '1' || setting === 'sql'
const statements = setting === 'sql'
let previous = 0
let previousCpu = 0

function cpuMs(): number {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1000
}

function rssMb(): number {
  return Math.round(process.memoryUsage.rss() / 1048576)
}

/** The process's peak RSS so far (maxRSS is in kilobytes). */
function peakMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024)
}

export function phase(label: string): void {
  if (!enabled) return
  const now = performance.now()
  const cpu = cpuMs()
  process.stderr.write(`phase: ${label} ${Math.round(now - previous)} ms, cpu ${Math.round(cpu - previousCpu)} ms (at ${Math.round(now)} ms, rss ${rssMb()} MB, peak ${peakMb()} MB)\n`)
  previous = now
  previousCpu = cpu
}

/** A line for the profile that is not a phase (the clock of the phases keeps running). */
export function note(text: string): void {
  if (enabled) process.stderr.write(`profile: ${text}\n`)
}

type Runner = (sql: string, ...rest: unknown[]) => Promise<unknown>

/** With CCI_USAGE_PROFILE=sql, wraps the connection's run and runAndReadAll to time each statement. */
export function traceStatements(connection: DuckDBConnection): void {
  if (!statements) return
  const target = connection as unknown as Record<'run' | 'runAndReadAll', Runner>
  const run = target.run.bind(connection)
  const readAll = target.runAndReadAll.bind(connection)
  // runAndReadAll calls run itself: a statement is timed once, by the outermost call, and the memory query below
  // goes through untimed.
  let depth = 0
  const wrap = (original: Runner): Runner => async (sql, ...rest) => {
    if (depth > 0) return original(sql, ...rest)
    const started = performance.now()
    const cpu = cpuMs()
    depth++
    try {
      return await original(sql, ...rest)
    } finally {
      const wall = Math.round(performance.now() - started)
      const used = Math.round(cpuMs() - cpu)
      const memory = (await readAll('SELECT CAST(SUM(memory_usage_bytes) / 1048576 AS INTEGER) AS mb, CAST(SUM(temporary_storage_bytes) / 1048576 AS INTEGER) AS spilled FROM duckdb_memory()')) as {
        getRowObjectsJS(): {mb: number; spilled: number}[]
      }
      const {mb, spilled} = memory.getRowObjectsJS()[0]
      depth--
      process.stderr.write(`sql: ${wall} ms, cpu ${used} ms, rss ${rssMb()} MB, duckdb ${mb} MB, spilled ${spilled} MB: ${redact(sql.replace(/\s+/g, ' ').trim().slice(0, 160))}\n`)
    }
  }
  target.run = wrap(run)
  target.runAndReadAll = wrap(readAll)
}
