/**
 * --discover-shared-orgs against the simulator: it answers the private shares-for endpoint like CircleCI (the
 * demo's primary organization shares its plan with the other two), or with a 404, a 403, a late answer or an
 * unexpected body; discovery never fails the export and never costs an extra export job.
 */
import {discoverSharedOrgs} from '../../src/export/shared-plan.js'
import {forgetSecrets} from '../../src/core/secrets.js'
import {startSimulator} from '../../src/simulator/index.js'
import {assertNoSecrets, csvLines, expectedExport, fakeTime, harness, type Harness} from '../export/helpers.js'

const posts = (h: Harness) => h.sim.requests.filter((request) => request.server === 'api' && request.method === 'POST')
const sharesForCalls = (h: Harness) => h.sim.requests.filter((request) => request.path.endsWith('/plan/shares-for'))

describe('the simulator answers shares-for', () => {
  it('lists the organizations sharing the primary org plan, with name and VCS type, and asks for the token', async () => {
    const sim = await startSimulator({})
    try {
      const [primary, ...others] = sim.datasetOrgIds
      const ask = (orgId: string, token = sim.token) =>
        fetch(`${sim.apiUrl}/private/orgs/${orgId}/plan/shares-for`, {headers: {'Circle-Token': token}}).then(async (response) => ({status: response.status, body: (await response.json()) as {orgs: {id: string; name: string; vcs_type: string}[]}}))
      const answer = await ask(primary)
      expect(answer.status).toBe(200)
      expect(answer.body.orgs.map((org) => org.id)).toEqual(others)
      expect(answer.body.orgs.map((org) => [org.name, org.vcs_type])).toEqual([['acme-labs', 'github'], ['acme-oss', 'github']])
      expect((await ask(others[0])).body).toEqual({orgs: []})
      expect((await ask(primary, 'wrong')).status).toBe(401)
      expect((await ask('not-an-org')).status).toBe(403)
    } finally {
      await sim.close()
    }
  })

  it('answers 404 in the variant without the endpoint', async () => {
    const sim = await startSimulator({sharesFor: {status: 404}})
    try {
      const response = await fetch(`${sim.apiUrl}/private/orgs/${sim.datasetOrgIds[0]}/plan/shares-for`, {headers: {'Circle-Token': sim.token}})
      expect(response.status).toBe(404)
    } finally {
      await sim.close()
    }
  })
})

describe('export --discover-shared-orgs', () => {
  let h: Harness
  afterEach(async () => h?.close())

  it('exports every organization found in the same job, says once that the endpoint is private, and sends the token only to the API', async () => {
    h = await harness()
    const result = await h.run({discoverSharedOrgs: true})
    const {rows} = await csvLines(result.csvPath)
    const range = h.options().range
    expect(rows.sort()).toEqual(expectedExport(h.sim, h.sim.datasetOrgIds, [{start: range.start, end: new Date(range.end.getTime() - 1)}]).rows.sort())
    expect(posts(h)).toHaveLength(1)
    expect(result.sharedPlan).toEqual({
      primaryOrgId: h.orgId,
      orgs: h.sim.datasetOrgIds.slice(1).map((id, index) => ({id, name: ['acme-labs', 'acme-oss'][index], vcsType: 'github'})),
    })
    expect(h.logs.filter((line) => /not part of CircleCI's public API/.test(line))).toHaveLength(1)
    expect(sharesForCalls(h)).toHaveLength(1)
    expect(sharesForCalls(h)[0].hadCircleToken).toBe(true)
    expect(h.sim.requests.filter((request) => request.server === 'download' && request.hadCircleToken)).toEqual([])
    await assertNoSecrets(h)
  })

  it('reuses the export job when a rerun finds the same organizations, and makes a new one when the set changed', async () => {
    h = await harness()
    await h.run({discoverSharedOrgs: false})
    expect(posts(h)).toHaveLength(1)
    // The first run exported the primary org alone: its job cannot answer for three organizations.
    await h.run({discoverSharedOrgs: true})
    expect(posts(h)).toHaveLength(2)
    await h.run({discoverSharedOrgs: true})
    expect(posts(h)).toHaveLength(2)
    expect(h.logs.some((line) => /reusing job/.test(line))).toBe(true)
  })

  it.each([
    ['a 404', {status: 404}, /HTTP 404 from GET \/private\/orgs\/.+\/plan\/shares-for/],
    ['a 403', {status: 403}, /HTTP 403 from GET/],
    ['an unexpected shape', {body: {organizations: [{id: 'x'}]}}, /unexpected shape/],
  ])('warns on %s and exports the organizations given', async (_what, sharesFor, warning) => {
    h = await harness({sharesFor})
    const given = h.sim.datasetOrgIds[2]
    const result = await h.run({discoverSharedOrgs: true, sharedOrgIds: [given]})
    expect(result.sharedPlan).toBeNull()
    const warnings = h.logs.filter((line) => line.startsWith('Warning:'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(warning)
    expect(warnings[0]).toMatch(/continuing with the organizations given/)
    const {rows} = await csvLines(result.csvPath)
    const range = h.options().range
    expect(rows.sort()).toEqual(expectedExport(h.sim, [h.orgId, given], [{start: range.start, end: new Date(range.end.getTime() - 1)}]).rows.sort())
    expect(posts(h)).toHaveLength(1)
  })
})

describe('discovery on a slow endpoint', () => {
  it('gives up after its request timeout and a few tries, with a warning, never an error', async () => {
    const time = fakeTime('2024-11-20T10:00:00Z')
    const sim = await startSimulator({clock: time.clock, sharesFor: {delayMs: 5000}})
    const logs: string[] = []
    const warnings: string[] = []
    try {
      const found = await discoverSharedOrgs({
        host: sim.apiUrl,
        token: sim.token,
        orgId: sim.datasetOrgIds[0],
        clock: time.clock,
        sleep: time.sleep,
        log: (line) => logs.push(line),
        warn: (line) => warnings.push(line),
        requestTimeoutMs: 150,
      })
      expect(found).toBeNull()
      expect(warnings).toEqual([expect.stringMatching(/^could not discover the organizations sharing the plan \(ETIMEDOUT from GET/)])
      expect(sim.requests.filter((request) => request.path.endsWith('/shares-for')).length).toBeLessThanOrEqual(3)
    } finally {
      await sim.close()
      forgetSecrets()
    }
  })
})
