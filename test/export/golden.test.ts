import {readFile} from 'node:fs/promises'
import {join} from 'node:path'

import {resolveRange} from '../../src/export/windows.js'
import {GOLDEN_EXPORT as golden, haveGoldenExport} from '../helpers/repo.js'
import {assertNoCredentialToDownloads, assertNoSecrets, columnIndex, csvLines, harness, sumColumn, type Harness} from './helpers.js'

const present = haveGoldenExport('the golden export test')
const maybe = present ? it : it.skip

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

describe('golden export (real Usage API file served by the simulator)', () => {
  maybe('export --start 2024-11-10 --end 2024-11-18 gives 1,260 rows and 532,406 credits', async () => {
    h = await harness({dataset: {file: golden}, parts: 4}, '2024-11-20T12:00:00Z')
    const [orgId, ...shared] = h.sim.datasetOrgIds
    const range = resolveRange({start: '2024-11-10', end: '2024-11-18'}, h.time.clock())
    const result = await h.run({orgId, sharedOrgIds: shared, range})
    const {header, rows} = await csvLines(join(h.out, 'usage.csv'))
    expect(rows).toHaveLength(1260)
    expect(result.rows).toBe(1260)
    expect(sumColumn(rows, columnIndex(header, 'TOTAL_CREDITS'))).toBe(532_406)
    expect(result.windows).toEqual([expect.objectContaining({parts: 4, rows: 1260})])
    assertNoCredentialToDownloads(h.sim)
    await assertNoSecrets(h)
  })

  maybe('asks for each shared organization once, never the organization itself: the same rows as the set given once', async () => {
    h = await harness({dataset: {file: golden}, parts: 2}, '2024-11-20T12:00:00Z')
    const [orgId, ...shared] = h.sim.datasetOrgIds
    const range = resolveRange({start: '2024-11-10', end: '2024-11-18'}, h.time.clock())
    const result = await h.run({orgId, sharedOrgIds: [orgId, ...shared, ...shared], range})
    expect(result.rows).toBe(1260)
    const manifest = JSON.parse(await readFile(join(h.out, 'export-manifest.json'), 'utf8')) as {sharedOrgIds: string[]}
    expect([...manifest.sharedOrgIds].sort()).toEqual([...shared].sort())
  })
})
