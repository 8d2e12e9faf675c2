import {CciUsageError} from '../../src/core/errors.js'
import {harness, type Harness} from './helpers.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

it('a failed job\'s error_reason that ends its sentence is quoted once, without a doubled period', async () => {
  h = await harness({parts: 1, faults: [{type: 'job-failed', errorReason: 'An internal error occurred while generating the export.', times: 1}]})
  const error = await h.run().catch((e: unknown) => e)
  expect((error as CciUsageError).code).toBe('E_EXPORT_FAILED')
  expect((error as Error).message).toContain('failed: An internal error occurred while generating the export. Rerun the command')
  expect((error as Error).message).not.toContain('export.. ')
})
