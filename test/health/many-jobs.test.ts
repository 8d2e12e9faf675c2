/**
 * A large organization's job groups: more of them in one pass than a function call takes arguments. The groups of
 * a pass were spread into push() as arguments, which stopped the report with "Maximum call stack size exceeded"
 * past ~120,000 groups.
 */
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'

import {queryJobGroups} from '../../src/analysis/health/queries.js'
import {openEngine, type Engine} from '../../src/analysis/engine.js'

const GROUPS = 150_000

describe('health job groups of a large organization', () => {
  let engine: Engine
  beforeAll(async () => {
    engine = await openEngine()
    // One row per job; every fourth job failed, with a run time of its index.
    await engine.connection.run(`CREATE TABLE rows AS SELECT 'acme' AS ORGANIZATION_NAME, 'org-id' AS ORGANIZATION_ID,
      'project-' || (i % 3000) AS PROJECT_NAME, 'build' AS WORKFLOW_NAME, 'job-' || i AS JOB_NAME,
      CASE WHEN i % 4 = 0 THEN 'failed' ELSE 'success' END AS JOB_BUILD_STATUS, CAST(i AS BIGINT) AS JOB_RUN_SECONDS, CAST(1000 AS BIGINT) AS JOB_QUEUE_MS,
      CAST(NULL AS DOUBLE) AS MEDIAN_CPU_UTILIZATION_PCT, CAST(NULL AS DOUBLE) AS MEDIAN_RAM_UTILIZATION_PCT, CAST(0.5 AS DECIMAL(18,6)) AS TOTAL_CREDITS
      FROM range(${GROUPS}) t(i)`)
  }, 60_000)
  afterAll(async () => {
    await engine?.close()
  })

  test(`${GROUPS.toLocaleString('en')} groups in one pass: every one, with its figures`, async () => {
    const groups = await queryJobGroups(engine.connection, 'rows', 'TRUE')
    expect(groups).toHaveLength(GROUPS)
    const job = groups.find((group) => group.job === 'job-4')
    expect(job).toMatchObject({org: 'acme', project: 'project-4', workflow: 'build', runs: 1, failedRuns: 1, durationP50: 4, durationP95: 4, queueP50: 1, queueP95: 1, cpuMedian: null, credits: 500_000n, failedCredits: 500_000n})
    expect(groups.reduce((sum, group) => sum + group.credits, 0n)).toBe(BigInt(GROUPS) * 500_000n)
  }, 60_000)
})
