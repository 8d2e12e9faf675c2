/**
 * A large organization's names (thousands of projects, a branch per pull request, tens of thousands of jobs) make
 * the cube's three GROUPING SETS parts big at once, and that one statement does not spill: a 200 MB export of
 * 5,000 projects, 150,000 branches and 30,000 jobs stopped at DuckDB's default 150 MB (exit 2, E_OUT_OF_MEMORY).
 * The same at a small scale: 30,000 branches and jobs against a 34 MB budget on one thread (the statement needs ~40 MB, a part alone ~30 MB).
 */
import {buildCube, GROUPING_SETS, type GroupingSetName} from '../../src/analysis/aggregate.js'
import {openUsage} from '../../src/analysis/engine.js'
import {exportCsv, job, tempDir, writeFixture} from './fixtures.js'

const DAYS = ['2024-11-11', '2024-11-12', '2024-11-13', '2024-11-14']

function manyNames(count: number) {
  return Array.from({length: count}, (_, i) =>
    job({
      PROJECT_NAME: `project-${i % 1500}`,
      VCS_BRANCH: `pr/${i}`,
      WORKFLOW_NAME: `workflow-${i % 3}`,
      JOB_NAME: `job-${i}`,
      JOB_RUN_DATE: DAYS[i % DAYS.length],
      JOB_BUILD_STATUS: i % 5 === 0 ? 'failed' : 'success',
      RESOURCE_CLASS: `runner/pool-${i % 300}`,
      TOTAL_CREDITS: (i % 97) + 0.000001 * i,
      COMPUTE_CREDITS: (i % 97) + 0.000001 * i,
    }),
  )
}

// Two teams, as the teams' cube splits the rows (team-reports.ts).
const TEAM_SQL = "CASE WHEN PROJECT_NAME < 'project-7' THEN 'team-a' ELSE 'team-b' END"

const TEAM_A_PROJECTS = Array.from({length: 1500}, (_, i) => `project-${i}`).filter((project) => project < 'project-7').length

async function allBreakdowns(file: string, memoryLimit?: string, segmentSql?: string) {
  const source = await openUsage([file])
  try {
    await source.connection.run("ATTACH IF NOT EXISTS ':memory:' AS work")
    if (memoryLimit) await source.connection.run(`SET threads = 1; SET memory_limit = '${memoryLimit}'`)
    const cube = await buildCube(source, undefined, null, {database: 'work', segmentSql})
    if (memoryLimit) await source.connection.run("SET memory_limit = '1GiB'")
    const result: Record<string, unknown> = {}
    for (const set of Object.keys(GROUPING_SETS) as GroupingSetName[]) {
      const bySegment = segmentSql ? await cube.breakdownBySegment(set, null) : new Map([[null, await cube.breakdown(set, null)]])
      result[set] = [...bySegment].flatMap(([segment, groups]) =>
        groups.map((group) => `${segment}: ${JSON.stringify(group, (_, value) => (typeof value === 'bigint' ? String(value) : value))}`),
      ).sort()
    }
    return result
  } finally {
    await source.close()
  }
}

describe('the cube of a large organization', () => {
  it('is built one part at a time when the GROUPING SETS statement runs out of memory, with the same groups', async () => {
    const file = writeFixture(tempDir(), 'usage.csv', exportCsv(manyNames(30_000)))
    const roomy = await allBreakdowns(file)
    expect((roomy.branch as unknown[]).length).toBe(30_000)
    expect(await allBreakdowns(file, '34MiB')).toEqual(roomy)
  }, 60_000)

  it('keeps each row\'s segment (the teams\' cube) when built one part at a time', async () => {
    const file = writeFixture(tempDir(), 'usage.csv', exportCsv(manyNames(30_000)))
    const roomy = await allBreakdowns(file, undefined, TEAM_SQL)
    expect((roomy.project as string[]).filter((line) => line.startsWith('team-a:')).length).toBe(TEAM_A_PROJECTS)
    expect(await allBreakdowns(file, '34MiB', TEAM_SQL)).toEqual(roomy)
  }, 60_000)
})
