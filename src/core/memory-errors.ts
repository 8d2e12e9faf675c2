import {BadInputError, CciUsageError} from './errors.js'

/** The threads of the engine this process opened last (openEngine): advice to lower them is no advice at one. */
let engineThreads: number | undefined

export function rememberEngineThreads(threads: number): void {
  engineThreads = threads
}

/**
 * DuckDB's "Out of Memory Error": its budget (CCI_USAGE_MEMORY_LIMIT, or the default from the threads and the
 * memory the process may use) was too small for a statement that cannot spill. Neither the input file's fault
 * nor a bug: like a full disk, the user fixes it, so one line naming the settings that do, and exit 2.
 */
export function outOfMemoryError(error: unknown): BadInputError | undefined {
  if (error instanceof CciUsageError) return undefined
  // String(): an Error of another realm (DuckDB's under jest's VM modules) is no `instanceof Error` here.
  const message = error instanceof Error ? error.message : typeof error === 'string' || (typeof error === 'object' && error !== null) ? String(error) : ''
  const detail = /Out of Memory Error: *([^\n]*)/.exec(message)
  if (!detail) return undefined
  const fewerThreads = engineThreads === 1 ? '' : ' or set CCI_USAGE_THREADS=1'
  return new BadInputError(
    'E_OUT_OF_MEMORY',
    `DuckDB ran out of its memory budget (${detail[1].trim()}): raise CCI_USAGE_MEMORY_LIMIT (e.g. CCI_USAGE_MEMORY_LIMIT=512MB; the process needs about 200 MB beyond it)${fewerThreads}, or give the machine or container more memory.`,
  )
}
