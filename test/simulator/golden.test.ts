import {readFileSync} from 'node:fs'
import {gunzipSync} from 'node:zlib'

import {describe, expect, it} from '@jest/globals'

import {startSimulator} from '../../src/simulator/index.js'
import {GOLDEN_EXPORT as GOLDEN, haveGoldenExport} from '../helpers/repo.js'
import {createJob, downloadText, manualClock, pollUntilDone, splitPart} from './helpers.js'

const present = haveGoldenExport('the golden simulator tests')

const goldenIt = present ? it : it.skip

describe('simulator serving the golden export', () => {
  goldenIt('serves all 1,260 rows (532,406 credits) verbatim over 4 parts', async () => {
    const fileLines = gunzipSync(readFileSync(GOLDEN)).toString('utf8').split('\n').filter((l) => l !== '')
    const [fileHeader, ...fileRows] = fileLines
    const sim = await startSimulator({dataset: {file: GOLDEN}, parts: 4, clock: manualClock('2024-11-20T00:00:00Z').clock})
    try {
      expect(sim.header).toEqual(fileHeader.split(','))
      const [org, ...shared] = sim.datasetOrgIds
      expect(sim.datasetOrgIds).toHaveLength(3)
      const id = await createJob(sim, org, new Date('2024-11-10T00:00:00Z'), new Date('2024-11-19T00:00:00Z'), shared)
      const urls = (await pollUntilDone(sim, org, id)).last.body.download_urls as string[]
      expect(urls).toHaveLength(4)
      const served: string[] = []
      for (const url of urls) {
        const {header, rows} = splitPart((await downloadText(url)).text)
        expect(header).toBe(fileHeader)
        served.push(...rows)
      }
      const total = sim.header.findIndex((h) => h.toUpperCase() === 'TOTAL_CREDITS')
      expect(served).toHaveLength(1260)
      expect(served.reduce((sum, line) => sum + Number(line.split(',')[total]), 0)).toBe(532_406)
      expect(served.sort()).toEqual([...fileRows].sort())
    } finally {
      await sim.close()
    }
  })

  goldenIt('filters by ORGANIZATION_ID: pachyderm alone is 45 rows / 97,849 credits', async () => {
    const sim = await startSimulator({dataset: {file: GOLDEN}, parts: 2, clock: manualClock('2024-11-20T00:00:00Z').clock})
    try {
      const nameColumn = sim.header.indexOf('ORGANIZATION_NAME')
      const orgColumn = sim.header.indexOf('ORGANIZATION_ID')
      const all = sim.expectedRows(sim.datasetOrgIds, new Date('2024-11-01T00:00:00Z'), new Date('2024-11-20T00:00:00Z'))
      const pachyderm = all.find((l) => l.split(',')[nameColumn] === 'pachyderm')!.split(',')[orgColumn]
      const id = await createJob(sim, pachyderm, new Date('2024-11-10T00:00:00Z'), new Date('2024-11-19T00:00:00Z'))
      const urls = (await pollUntilDone(sim, pachyderm, id)).last.body.download_urls as string[]
      const rows = (await Promise.all(urls.map(async (u) => splitPart((await downloadText(u)).text).rows))).flat()
      const total = sim.header.indexOf('TOTAL_CREDITS')
      expect(rows).toHaveLength(45)
      expect(rows.reduce((sum, line) => sum + Number(line.split(',')[total]), 0)).toBe(97_849)
    } finally {
      await sim.close()
    }
  })
})
