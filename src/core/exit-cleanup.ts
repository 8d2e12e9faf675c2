/**
 * What a run must undo however it ends. Node's default on SIGINT (Ctrl-C), SIGTERM (a CI cancelling the job) or
 * SIGHUP (a closed terminal) is to die at once, without any `finally`: the output folder's lock would stay, and
 * DuckDB's work database in the temp folder (tens of MB on 1 GB of export, GBs on a year) would stay for good,
 * one more with every interrupted run. A cleanup registered here runs once, synchronously (nothing asynchronous
 * runs after a signal's handler calls exit), on the first of: a handled signal, `process.exit`, the end of the
 * event loop. The signal handlers are installed only while a cleanup is registered, so a process without one
 * keeps node's default behaviour, unless it calls handleSignalsAlways (the CLI's bin/run.js does).
 */
import {rmSync} from 'node:fs'

const cleanups = new Set<() => void>()

// The conventional status of a process ended by a signal: 128 + its number.
const SIGNAL_STATUS = {SIGHUP: 129, SIGINT: 130, SIGTERM: 143} as const
type HandledSignal = keyof typeof SIGNAL_STATUS
const SIGNALS = Object.keys(SIGNAL_STATUS) as HandledSignal[]

let installed = false
let always = false

function runAll(): void {
  // Latest first: what was made last may sit inside what was made first (a work file in a locked folder).
  for (const cleanup of [...cleanups].reverse()) {
    cleanups.delete(cleanup)
    try {
      cleanup()
    } catch {
      // Best effort: one cleanup failing must not keep the others from running.
    }
  }
  uninstall()
}

function onSignal(signal: NodeJS.Signals): void {
  runAll()
  process.exit(SIGNAL_STATUS[signal as HandledSignal] ?? 1)
}

function install(): void {
  if (installed) return
  installed = true
  process.on('exit', runAll)
  for (const signal of SIGNALS) process.on(signal, onSignal)
}

function uninstall(): void {
  if (!installed || always || cleanups.size > 0) return
  installed = false
  process.off('exit', runAll)
  for (const signal of SIGNALS) process.off(signal, onSignal)
}

/**
 * Keeps the handlers installed for the rest of the process, cleanup or not: SIGINT, SIGTERM and SIGHUP then
 * always end it with 130, 143 or 129 after the registered cleanups. Node's default is no answer for a process
 * that runs as PID 1, the CLI in `docker run IMAGE` (the image's ENTRYPOINT, no init): the kernel gives PID 1 no
 * default action for a signal, so without a handler `docker stop` (SIGTERM) and Ctrl-C (SIGINT) went unheard
 * until the SIGKILL 10 s later, or until a Slack post or a database connection gave up on its own.
 */
export function handleSignalsAlways(): void {
  always = true
  install()
}

/**
 * Registers `cleanup` (synchronous, safe to run at any moment) to run if the process ends before the returned
 * function is called. Call that function once the cleanup is done or no longer needed; it does not run it.
 */
export function cleanUpOnExit(cleanup: () => void): () => void {
  cleanups.add(cleanup)
  install()
  return () => {
    cleanups.delete(cleanup)
    uninstall()
  }
}

/**
 * Removes `path` (a file or a folder) if the process ends before the returned function is called: a temp file or
 * staging folder that a signal would otherwise leave behind. Call the returned function once `path` is renamed
 * into place or removed.
 */
export function removeOnExit(path: string): () => void {
  return cleanUpOnExit(() => rmSync(path, {recursive: true, force: true}))
}
