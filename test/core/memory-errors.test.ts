/**
 * DuckDB's "Out of Memory Error" is one line naming the settings that fix it; lowering the threads is advised only
 * when the engine runs more than one.
 */
import {outOfMemoryError, rememberEngineThreads} from '../../src/core/memory-errors.js'

const duckdbError = new Error('Out of Memory Error: could not allocate block of size 256.0 KiB (63.9 MiB/64.0 MiB used)\nPossible solutions: ...')

describe('outOfMemoryError', () => {
  it('advises one thread when the engine runs several', () => {
    rememberEngineThreads(2)
    const error = outOfMemoryError(duckdbError)
    expect(error?.code).toBe('E_OUT_OF_MEMORY')
    expect(error?.message).toBe(
      'DuckDB ran out of its memory budget (could not allocate block of size 256.0 KiB (63.9 MiB/64.0 MiB used)): raise CCI_USAGE_MEMORY_LIMIT (e.g. CCI_USAGE_MEMORY_LIMIT=512MB; the process needs about 200 MB beyond it) or set CCI_USAGE_THREADS=1, or give the machine or container more memory.',
    )
  })

  it('does not advise one thread to an engine that already runs one', () => {
    rememberEngineThreads(1)
    const message = outOfMemoryError(duckdbError)?.message ?? ''
    expect(message).toMatch(/^DuckDB ran out of its memory budget .*: raise CCI_USAGE_MEMORY_LIMIT \(.*\), or give the machine or container more memory\.$/)
    expect(message).not.toContain('CCI_USAGE_THREADS')
  })

  it('leaves other errors alone', () => {
    expect(outOfMemoryError(new Error('Conversion Error: could not convert'))).toBeUndefined()
  })
})
