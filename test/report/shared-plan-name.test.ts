import {DuckDBInstance} from '@duckdb/node-api'

import {sharedPlanSummary} from '../../src/analysis/shared-plan.js'

/**
 * The shared plan names an organization the endpoint left unnamed from the data. Renamed within the window, it has
 * two names under one id: the name must not depend on the rows' order (or on which thread meets a row first).
 */
describe('sharedPlanSummary, an organization renamed within the window', () => {
  const rows: [string, string | null, string | null, number][] = [
    ['org-1', 'acme-old', '2024-11-10', 5],
    ['org-1', 'acme', '2024-11-12', 7],
    ['org-1', null, '2024-11-13', 1],
    ['org-1', 'zz-undated', null, 2],
    ['org-2', 'globex', '2024-11-11', 3],
  ]

  async function planOf(ordered: typeof rows): Promise<{id: string; name: string | null; credits: number}[]> {
    const instance = await DuckDBInstance.create(':memory:', {threads: '1'})
    const connection = await instance.connect()
    try {
      await connection.run('CREATE TABLE usage_rows (ORGANIZATION_ID VARCHAR, ORGANIZATION_NAME VARCHAR, JOB_RUN_DATE DATE, TOTAL_CREDITS DECIMAL(18,6))')
      const literal = (value: string | null) => (value === null ? 'NULL' : `'${value}'`)
      const values = ordered.map(([id, name, day, credits]) => `(${literal(id)}, ${literal(name)}, ${day === null ? 'NULL' : `DATE '${day}'`}, ${credits})`)
      await connection.run(`INSERT INTO usage_rows VALUES ${values.join(', ')}`)
      const plan = await sharedPlanSummary(connection, 'usage_rows', undefined, {primaryOrgId: 'org-1', orgs: [{id: 'org-1', name: null, vcsType: null}, {id: 'org-2', name: null, vcsType: null}]})
      return plan.orgs.map(({id, name, credits}) => ({id, name, credits}))
    } finally {
      connection.closeSync()
    }
  }

  it("shows the latest day's name, whatever the rows' order, and every credit of the id", async () => {
    // Computed from the rows: org-1's latest dated, named row is 2024-11-12 (the 13th has no name; the undated
    // row counts as earliest); its credits are all five of its rows.
    const credits = (id: string) => rows.filter((row) => row[0] === id).reduce((sum, row) => sum + row[3], 0)
    const expected = [
      {id: 'org-1', name: 'acme', credits: credits('org-1')},
      {id: 'org-2', name: 'globex', credits: credits('org-2')},
    ]
    expect(await planOf(rows)).toEqual(expected)
    expect(await planOf([...rows].reverse())).toEqual(expected)
  })
})
