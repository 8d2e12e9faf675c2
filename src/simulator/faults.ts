import type {Fault} from './types.js'

type FaultOf<T extends Fault['type']> = Extract<Fault, {type: T}>

const JOB_LEVEL: ReadonlySet<Fault['type']> = new Set(['job-failed', 'no-urls', 'never-complete', 'header-mismatch', 'ragged-row'])

/**
 * The configured faults with how many firings each has left. Request faults fire once by default (a transient
 * failure the client must recover from); job-level faults describe the data and apply to every job by default.
 */
export function createFaultBook(faults: readonly Fault[]) {
  const entries = faults.map((fault) => ({
    fault,
    remaining: fault.times ?? (JOB_LEVEL.has(fault.type) ? Number.POSITIVE_INFINITY : 1),
  }))
  return {
    /** Consumes one firing of the first matching fault that has firings left. */
    take<T extends Fault['type']>(type: T, matches: (fault: FaultOf<T>) => boolean = () => true): FaultOf<T> | undefined {
      const entry = entries.find((e) => e.fault.type === type && e.remaining > 0 && matches(e.fault as FaultOf<T>))
      if (!entry) return undefined
      entry.remaining--
      return entry.fault as FaultOf<T>
    },
  }
}

export type FaultBook = ReturnType<typeof createFaultBook>
