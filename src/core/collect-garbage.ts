import {getHeapStatistics, setFlagsFromString} from 'node:v8'
import {runInNewContext} from 'node:vm'

let collect: (() => void) | undefined

/**
 * Below this much heap in use there is little to free, and a collection still costs ~20 ms (the golden export's
 * heap is ~15 MB): on an export of 3,000 projects one took 125-166 CPU ms over ~100 MB.
 */
const MIN_HEAP_BYTES = 64 << 20

/**
 * A full garbage collection now, at a point where much of the JavaScript heap has just become garbage and DuckDB
 * is about to need its memory. V8 collects its old generation only when the heap reaches a limit it sets from
 * the live size: on an export of 3,000 projects (41,000 jobs) the heap held ~100 MB of live objects and ~130 MB of
 * garbage from the breakdowns and the job groups while the health tables were built, at the report's peak RSS.
 * `gc` exists only with --expose-gc, which a context created after the flag is set gets.
 */
export function collectGarbage(): void {
  if (getHeapStatistics().used_heap_size < MIN_HEAP_BYTES) return
  if (!collect) {
    setFlagsFromString('--expose-gc')
    collect = runInNewContext('gc') as () => void
    // Only that context: contexts made later (a test runner's) get no `gc` global.
    setFlagsFromString('--no-expose-gc')
  }
  collect()
}
