import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'

import {type Simulator, startSimulator} from '../../src/simulator/index.js'
import {api, createJob, DAY_MS, downloadText, jobsPath, manualClock, pollUntilDone, splitPart} from './helpers.js'

const NOW = '2024-11-20T12:00:00Z'
const TODAY = Date.parse('2024-11-20T00:00:00Z')

describe('simulator API', () => {
  const time = manualClock(NOW)
  let sim: Simulator
  let org: string

  beforeAll(async () => {
    sim = await startSimulator({clock: time.clock, demoRowsPerDay: 20, rateLimits: {postPerHour: 1000, getPerMinute: 1000}})
    org = sim.datasetOrgIds[0]
  })
  afterAll(() => sim.close())

  describe('auth', () => {
    it('answers 401 without a token or with a wrong one', async () => {
      for (const token of [null, 'wrong-token']) {
        const answer = await api(sim, 'POST', jobsPath(org), {token, body: {start: '2024-11-10T00:00:00Z', end: '2024-11-11T00:00:00Z'}})
        expect(answer.status).toBe(401)
        expect(answer.body).toEqual({message: 'Invalid token provided.'})
      }
      expect((await api(sim, 'GET', jobsPath(org, 'x'), {token: null})).status).toBe(401)
    })

    it('answers 403 for an org the token may not export, and for a disallowed shared org', async () => {
      expect((await api(sim, 'GET', jobsPath('someone-else', 'x'))).status).toBe(403)
      const answer = await api(sim, 'POST', jobsPath(org), {
        body: {start: '2024-11-10T00:00:00Z', end: '2024-11-11T00:00:00Z', shared_org_ids: ['someone-else']},
      })
      expect(answer.status).toBe(403)
    })

    it('limits the token to options.orgIds', async () => {
      const limited = await startSimulator({clock: time.clock, demoRowsPerDay: 5, orgIds: [org], token: 'other-token-123'})
      try {
        expect(limited.token).toBe('other-token-123')
        const body = {start: '2024-11-10T00:00:00Z', end: '2024-11-11T00:00:00Z'}
        expect((await api(limited, 'POST', jobsPath(org), {body})).status).toBe(201)
        expect((await api(limited, 'POST', jobsPath(limited.datasetOrgIds[1]), {body})).status).toBe(403)
      } finally {
        await limited.close()
      }
    })
  })

  describe('validation (400)', () => {
    const cases: [string, unknown][] = [
      ['missing start', {end: '2024-11-11T00:00:00Z'}],
      ['missing end', {start: '2024-11-10T00:00:00Z'}],
      ['date without time', {start: '2024-11-10', end: '2024-11-11T00:00:00Z'}],
      ['unparseable end', {start: '2024-11-10T00:00:00Z', end: 'yesterday'}],
      ['end equal to start', {start: '2024-11-10T00:00:00Z', end: '2024-11-10T00:00:00Z'}],
      ['end before start', {start: '2024-11-10T00:00:00Z', end: '2024-11-09T00:00:00Z'}],
      ['span of 31 days and a second', {start: '2024-10-10T00:00:00Z', end: '2024-11-10T00:00:01Z'}],
      ['start more than 366 days back', {start: '2023-11-19T11:59:59Z', end: '2023-11-25T00:00:00Z'}],
      ['end in the future', {start: '2024-11-19T00:00:00Z', end: '2024-11-20T12:00:01Z'}],
      ['start in the future', {start: '2024-11-21T00:00:00Z', end: '2024-11-22T00:00:00Z'}],
      ['shared_org_ids not an array', {start: '2024-11-10T00:00:00Z', end: '2024-11-11T00:00:00Z', shared_org_ids: 'abc'}],
      ['a JSON array body', []],
    ]
    it.each(cases)('rejects %s', async (_name, body) => {
      const answer = await api(sim, 'POST', jobsPath(org), {body})
      expect(answer.status).toBe(400)
      expect(typeof answer.body.message).toBe('string')
    })

    it('rejects a body that is not JSON', async () => {
      const response = await fetch(`${sim.apiUrl}${jobsPath(org)}`, {method: 'POST', headers: {'Circle-Token': sim.token}, body: 'start=1'})
      expect(response.status).toBe(400)
    })

    it('accepts the limits themselves: exactly 31 days, exactly 366 days back, end exactly now', async () => {
      const ok = [
        {start: '2024-10-10T00:00:00Z', end: '2024-11-10T00:00:00Z'},
        {start: '2023-11-20T12:00:00Z', end: '2023-11-21T00:00:00Z'},
        {start: '2024-11-19T00:00:00+02:00', end: NOW},
      ]
      for (const body of ok) expect((await api(sim, 'POST', jobsPath(org), {body})).status).toBe(201)
    })
  })

  it('walks created -> processing -> completed and echoes the window', async () => {
    const created = await api(sim, 'POST', jobsPath(org), {body: {start: '2024-11-10T00:00:00.000Z', end: '2024-11-12T00:00:00Z'}})
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({state: 'created', start: '2024-11-10T00:00:00Z', end: '2024-11-12T00:00:00Z'})
    const id = created.body.usage_export_job_id as string
    const {states, last} = await pollUntilDone(sim, org, id)
    expect(states).toEqual(['created', 'processing', 'completed'])
    expect(last.body.download_urls).toHaveLength(3)
    expect(sim.jobs().find((j) => j.id === id)).toMatchObject({orgId: org, state: 'completed'})
  })

  it('answers 404 for an unknown job and for a job of another org', async () => {
    expect((await api(sim, 'GET', jobsPath(org, 'no-such-job'))).status).toBe(404)
    const id = await createJob(sim, org, new Date('2024-11-10T00:00:00Z'), new Date('2024-11-11T00:00:00Z'))
    expect((await api(sim, 'GET', jobsPath(sim.datasetOrgIds[1], id))).status).toBe(404)
  })

  it('serves every part as gzip on another origin: header + exactly the expected rows', async () => {
    const start = new Date(TODAY - 20 * DAY_MS)
    const end = new Date(TODAY)
    const id = await createJob(sim, org, start, end, sim.datasetOrgIds.slice(1))
    const urls = (await pollUntilDone(sim, org, id)).last.body.download_urls as string[]
    const served: string[] = []
    for (const url of urls) {
      expect(new URL(url).origin).toBe(sim.downloadOrigin)
      expect(sim.downloadOrigin).not.toBe(sim.apiUrl)
      const response = await fetch(url)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('application/gzip')
      const bytes = Buffer.from(await response.arrayBuffer())
      expect(Number(response.headers.get('content-length'))).toBe(bytes.length)
      const {header, rows} = splitPart((await import('node:zlib')).gunzipSync(bytes).toString('utf8'))
      expect(header).toBe(sim.header.join(','))
      served.push(...rows)
    }
    const expected = sim.expectedRows(sim.datasetOrgIds, start, end)
    expect(expected.length).toBeGreaterThan(100)
    expect(served).toHaveLength(expected.length)
    expect(new Set(served)).toEqual(new Set(expected))
    expect(sim.jobs().find((j) => j.id === id)?.rows).toBe(expected.length)
    // Parts split evenly: sizes differ by at most one row.
    const sizes = await Promise.all(urls.map(async (u) => splitPart((await downloadText(u)).text).rows.length))
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1)
  })

  it('selects by JOB_RUN_STARTED_AT (or JOB_RUN_DATE) inclusively at both ends, for the requested orgs only', async () => {
    const all = sim.expectedRows(sim.datasetOrgIds, new Date(0), new Date(TODAY))
    const startedAt = sim.header.indexOf('JOB_RUN_STARTED_AT')
    const runDate = sim.header.indexOf('JOB_RUN_DATE')
    const orgColumn = sim.header.indexOf('ORGANIZATION_ID')
    const runAt = (line: string) => {
      const f = line.split(',')
      return f[startedAt] === '\\\\N' ? Date.parse(`${f[runDate]}T00:00:00Z`) : Date.parse(`${f[startedAt].replace(' ', 'T')}Z`)
    }
    const ofOrg = all.filter((l) => l.split(',')[orgColumn] === org).sort((a, b) => runAt(a) - runAt(b))
    // Window edges exactly on two rows' run times (RFC 3339 with milliseconds round-trips them).
    const first = ofOrg[Math.floor(ofOrg.length * 0.4)]
    const last = ofOrg[Math.floor(ofOrg.length * 0.5)]
    const start = new Date(runAt(first))
    const end = new Date(runAt(last))
    const id = await createJob(sim, org, start, end)
    const urls = (await pollUntilDone(sim, org, id)).last.body.download_urls as string[]
    const served = (await Promise.all(urls.map(async (u) => splitPart((await downloadText(u)).text).rows))).flat()
    const independent = all.filter((l) => l.split(',')[orgColumn] === org && runAt(l) >= start.getTime() && runAt(l) <= end.getTime())
    expect(served).toContain(first)
    expect(served).toContain(last)
    expect(new Set(served)).toEqual(new Set(independent))
    expect(served.every((l) => l.split(',')[orgColumn] === org)).toBe(true)
  })

  it('completes a job with no matching rows without download_urls', async () => {
    const id = await createJob(sim, org, new Date('2024-11-20T00:00:00Z'), new Date('2024-11-20T11:00:00Z'))
    const {last} = await pollUntilDone(sim, org, id)
    expect(last.body.state).toBe('completed')
    expect(last.body).not.toHaveProperty('download_urls')
  })

  describe('presigned URLs', () => {
    let urls: string[]
    let id: string
    beforeAll(async () => {
      id = await createJob(sim, org, new Date(TODAY - 3 * DAY_MS), new Date(TODAY))
      urls = (await pollUntilDone(sim, org, id)).last.body.download_urls as string[]
    })

    it('rejects and records a download that carries a Circle-Token or Authorization header', async () => {
      const before = sim.requests.length
      expect((await downloadText(urls[0], {'Circle-Token': sim.token})).status).toBe(400)
      expect((await downloadText(urls[0], {Authorization: 'Bearer x'})).status).toBe(400)
      const recorded = sim.requests.slice(before)
      expect(recorded).toEqual([
        expect.objectContaining({server: 'download', status: 400, hadCircleToken: true, hadAuthorization: false}),
        expect.objectContaining({server: 'download', status: 400, hadCircleToken: false, hadAuthorization: true}),
      ])
      // The recorded path never carries the signature.
      expect(recorded.every((r) => !r.path.includes('Signature'))).toBe(true)
    })

    it('answers 403 AccessDenied XML for a tampered signature or path', async () => {
      const tampered = urls[0].replace(/X-Amz-Signature=([0-9a-f])/, (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`)
      const answer = await downloadText(tampered)
      expect(answer.status).toBe(403)
      expect(answer.text).toContain('<Code>AccessDenied</Code>')
      expect((await downloadText(urls[0].replace('part-0', 'part-1'))).status).toBe(403)
    })

    it('expires URLs on the clock and hands out fresh ones on the next GET', async () => {
      time.advance(601_000)
      try {
        const expired = await downloadText(urls[1])
        expect(expired.status).toBe(403)
        expect(expired.text).toContain('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>')
        const fresh = (await api(sim, 'GET', jobsPath(org, id))).body.download_urls as string[]
        expect((await downloadText(fresh[1])).status).toBe(200)
      } finally {
        time.advance(-601_000)
      }
    })
  })
})

describe('simulator rate limits', () => {
  it('allows 10 POSTs per hour and 10 GETs per minute per org by default, then 429 with Retry-After', async () => {
    const time = manualClock(NOW)
    const sim = await startSimulator({clock: time.clock, demoRowsPerDay: 5})
    try {
      const [org, otherOrg] = sim.datasetOrgIds
      const body = {start: '2024-11-18T00:00:00Z', end: '2024-11-19T00:00:00Z'}
      for (let i = 0; i < 10; i++) {
        expect((await api(sim, 'POST', jobsPath(org), {body})).status).toBe(201)
        time.advance(60_000)
      }
      const limited = await api(sim, 'POST', jobsPath(org), {body})
      expect(limited.status).toBe(429)
      // The oldest POST (at 12:00) leaves the hour window at 13:00; the clock is at 12:10.
      expect(limited.headers.get('retry-after')).toBe(String(50 * 60))
      // Per org: another org is not limited.
      expect((await api(sim, 'POST', jobsPath(otherOrg), {body})).status).toBe(201)
      time.advance(50 * 60_000)
      const id = (await api(sim, 'POST', jobsPath(org), {body})).body.usage_export_job_id as string
      expect(id).toEqual(expect.any(String))

      for (let i = 0; i < 10; i++) expect((await api(sim, 'GET', jobsPath(org, id))).status).toBe(200)
      const tooMany = await api(sim, 'GET', jobsPath(org, id))
      expect(tooMany.status).toBe(429)
      expect(tooMany.headers.get('retry-after')).toBe('60')
      time.advance(60_000)
      expect((await api(sim, 'GET', jobsPath(org, id))).status).toBe(200)
    } finally {
      await sim.close()
    }
  })
})
