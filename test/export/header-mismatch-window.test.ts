/**
 * A later window's first part with other columns, while the rest of its job has the export's: the job did not
 * change columns (all its parts would have), that part is damaged, so the window's job is dropped and the rerun
 * mends it with a new job. Told "the export's columns changed between its windows' jobs", a user (or `run`, rerun
 * every day) reused the same damaged job forever.
 */
import {join} from 'node:path'

import {CciUsageError} from '../../src/core/errors.js'
import {splitWindows} from '../../src/export/windows.js'
import {csvLines, expectedExport, harness, type Harness} from './helpers.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

// Two windows: [09-25, 10-26) and [10-26, 11-19).
const range = {start: new Date('2024-09-25T00:00:00Z'), end: new Date('2024-11-19T00:00:00Z')}

it('drops the job of a later window whose first part alone has other columns, and the rerun mends it', async () => {
  // The first job takes a fault on a part it does not have (no effect); the second job's part 1 gets another last column.
  h = await harness({parts: 3, faults: [{type: 'header-mismatch', part: 5, times: 1}, {type: 'header-mismatch', part: 0, times: 1}]})
  const error = await h.run({range}).catch((e: unknown) => e)
  expect((error as CciUsageError).code).toBe('E_PART_HEADER_MISMATCH')
  const message = (error as Error).message
  expect(message).toMatch(/^part 1 of 3 of job \S+ has column GPU_CREDITS where TOTAL_CREDITS was expected \(column 48\); its columns differ from the first part and its job's other parts/)
  expect(message).toContain('rerunning creates a new export job for window 2/2')
  expect(message).not.toContain('its own --out folder')
  const downloadsBefore = h.sim.requests.filter((r) => r.server === 'download').length

  const result = await h.run({range})
  const expected = expectedExport(h.sim, [h.orgId], splitWindows(range))
  const {rows} = await csvLines(join(h.out, 'usage.csv'))
  expect([...rows].sort()).toEqual([...expected.rows].sort())
  expect(result.rows).toBe(expected.rows.length)
  expect(h.sim.requests.filter((r) => r.method === 'POST')).toHaveLength(3)
  // Only the new job's three parts were downloaded: the first window's verified parts were kept.
  expect(h.sim.requests.filter((r) => r.server === 'download').length - downloadsBefore).toBe(3)
})
