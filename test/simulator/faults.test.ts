import {request} from 'node:http'
import {gunzipSync} from 'node:zlib'

import {describe, expect, it} from '@jest/globals'

import {type Fault, type Simulator, startSimulator} from '../../src/simulator/index.js'
import {api, createJob, downloadText, jobsPath, manualClock, pollUntilDone, splitPart} from './helpers.js'

const START = new Date('2024-11-12T00:00:00Z')
const END = new Date('2024-11-19T00:00:00Z')

async function withSimulator(faults: Fault[], test: (sim: Simulator, org: string) => Promise<void>): Promise<void> {
  const sim = await startSimulator({clock: manualClock('2024-11-20T12:00:00Z').clock, demoRowsPerDay: 20, faults})
  try {
    await test(sim, sim.datasetOrgIds[0])
  } finally {
    await sim.close()
  }
}

async function completedUrls(sim: Simulator, org: string): Promise<string[]> {
  const id = await createJob(sim, org, START, END)
  return (await pollUntilDone(sim, org, id)).last.body.download_urls as string[]
}

/** Raw GET that reports what actually arrived, even when the server cuts the connection. */
function rawGet(url: string): Promise<{status: number; declaredLength: number; received: Buffer; aborted: boolean}> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      const chunks: Buffer[] = []
      let aborted = false
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('aborted', () => (aborted = true))
      res.on('error', () => (aborted = true))
      res.on('close', () => resolve({status: res.statusCode ?? 0, declaredLength: Number(res.headers['content-length']),
        received: Buffer.concat(chunks), aborted}))
    }).on('error', reject).end()
  })
}

describe('simulator faults', () => {
  it('rate-limit: 429 with the given Retry-After, then normal', () =>
    withSimulator([{type: 'rate-limit', on: 'post', retryAfter: 7, times: 2}], async (sim, org) => {
      const body = {start: START.toISOString(), end: END.toISOString()}
      for (let i = 0; i < 2; i++) {
        const answer = await api(sim, 'POST', jobsPath(org), {body})
        expect(answer.status).toBe(429)
        expect(answer.headers.get('retry-after')).toBe('7')
      }
      expect((await api(sim, 'POST', jobsPath(org), {body})).status).toBe(201)
    }))

  it('rate-limit: retryAfter null sends no Retry-After header; on get and download too', () =>
    withSimulator([
      {type: 'rate-limit', on: 'get', retryAfter: null},
      {type: 'rate-limit', on: 'download'},
    ], async (sim, org) => {
      const id = await createJob(sim, org, START, END)
      const limited = await api(sim, 'GET', jobsPath(org, id))
      expect(limited.status).toBe(429)
      expect(limited.headers.has('retry-after')).toBe(false)
      const urls = (await pollUntilDone(sim, org, id)).last.body.download_urls as string[]
      const slow = await downloadText(urls[0])
      expect(slow.status).toBe(429)
      expect(slow.headers.get('retry-after')).toBe('1')
      expect((await downloadText(urls[0])).status).toBe(200)
    }))

  it('server-error: the given status the given number of times, on each endpoint', () =>
    withSimulator([
      {type: 'server-error', on: 'post', status: 502},
      {type: 'server-error', on: 'get', status: 503, times: 2},
      {type: 'server-error', on: 'download'},
    ], async (sim, org) => {
      const body = {start: START.toISOString(), end: END.toISOString()}
      expect((await api(sim, 'POST', jobsPath(org), {body})).status).toBe(502)
      const id = await createJob(sim, org, START, END)
      expect((await api(sim, 'GET', jobsPath(org, id))).status).toBe(503)
      expect((await api(sim, 'GET', jobsPath(org, id))).status).toBe(503)
      const urls = (await pollUntilDone(sim, org, id)).last.body.download_urls as string[]
      expect((await downloadText(urls[2])).status).toBe(500)
      expect((await downloadText(urls[2])).status).toBe(200)
    }))

  it('network-reset: the socket is destroyed once, then the request works', () =>
    withSimulator([
      {type: 'network-reset', on: 'post'},
      {type: 'network-reset', on: 'download'},
    ], async (sim, org) => {
      const body = {start: START.toISOString(), end: END.toISOString()}
      await expect(api(sim, 'POST', jobsPath(org), {body})).rejects.toThrow()
      const urls = await completedUrls(sim, org)
      await expect(fetch(urls[0])).rejects.toThrow()
      expect((await downloadText(urls[0])).status).toBe(200)
      expect(sim.requests.filter((r) => r.status === 0).map((r) => r.server)).toEqual(['api', 'download'])
    }))

  it('truncate-part: correct headers, half the body, connection cut; the next download is whole', () =>
    withSimulator([{type: 'truncate-part', part: 1}], async (sim, org) => {
      const urls = await completedUrls(sim, org)
      const cut = await rawGet(urls[1])
      expect(cut.status).toBe(200)
      expect(cut.aborted).toBe(true)
      expect(cut.received.length).toBeLessThan(cut.declaredLength)
      expect(() => gunzipSync(cut.received)).toThrow()
      const whole = await rawGet(urls[1])
      expect(whole.received.length).toBe(whole.declaredLength)
      expect(splitPart(gunzipSync(whole.received).toString('utf8')).header).toBe(sim.header.join(','))

      // A client may resume instead: a Range request for the rest completes the cut body.
      const rest = await fetch(urls[1], {headers: {Range: `bytes=${cut.received.length}-`}})
      expect(rest.status).toBe(206)
      expect(rest.headers.get('content-range')).toBe(`bytes ${cut.received.length}-${cut.declaredLength - 1}/${cut.declaredLength}`)
      const resumed = Buffer.concat([cut.received, Buffer.from(await rest.arrayBuffer())])
      expect(resumed.equals(whole.received)).toBe(true)
      expect((await fetch(urls[1], {headers: {Range: `bytes=${cut.declaredLength}-`}})).status).toBe(416)
    }))

  it('expired-url: the first URLs of that part answer 403 until the job is read again', () =>
    withSimulator([{type: 'expired-url', part: 2}], async (sim, org) => {
      const id = await createJob(sim, org, START, END)
      const urls = (await pollUntilDone(sim, org, id)).last.body.download_urls as string[]
      const expired = await downloadText(urls[2])
      expect(expired.status).toBe(403)
      expect(expired.text).toContain('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>')
      expect((await downloadText(urls[0])).status).toBe(200)
      const fresh = (await api(sim, 'GET', jobsPath(org, id))).body.download_urls as string[]
      expect((await downloadText(fresh[2])).status).toBe(200)
    }))

  it('job-failed: the job ends failed with error_reason and no URLs; times limits it to the first jobs', () =>
    withSimulator([{type: 'job-failed', errorReason: 'export exploded', times: 1}], async (sim, org) => {
      const failed = await pollUntilDone(sim, org, await createJob(sim, org, START, END))
      expect(failed.states).toEqual(['created', 'processing', 'failed'])
      expect(failed.last.body.error_reason).toBe('export exploded')
      expect(failed.last.body).not.toHaveProperty('download_urls')
      expect((await pollUntilDone(sim, org, await createJob(sim, org, START, END))).last.body.state).toBe('completed')
    }))

  it('job-failed without times fails every job', () =>
    withSimulator([{type: 'job-failed'}], async (sim, org) => {
      for (let i = 0; i < 2; i++) {
        const {last} = await pollUntilDone(sim, org, await createJob(sim, org, START, END))
        expect(last.body.state).toBe('failed')
        expect(last.body.error_reason).toEqual(expect.any(String))
      }
    }))

  it('no-urls: completed without download_urls', () =>
    withSimulator([{type: 'no-urls'}], async (sim, org) => {
      const {last} = await pollUntilDone(sim, org, await createJob(sim, org, START, END))
      expect(last.body.state).toBe('completed')
      expect(last.body).not.toHaveProperty('download_urls')
    }))

  it('never-complete: stays processing', () =>
    withSimulator([{type: 'never-complete'}], async (sim, org) => {
      const id = await createJob(sim, org, START, END)
      await expect(pollUntilDone(sim, org, id, 9)).rejects.toThrow(/still pending/)
      expect(sim.jobs().find((j) => j.id === id)?.state).toBe('processing')
    }))

  it('header-mismatch: only that part has a different column', () =>
    withSimulator([{type: 'header-mismatch', part: 2}], async (sim, org) => {
      const headers = await Promise.all((await completedUrls(sim, org)).map(async (u) => splitPart((await downloadText(u)).text).header))
      expect(headers[0]).toBe(sim.header.join(','))
      expect(headers[1]).toBe(sim.header.join(','))
      expect(headers[2]).not.toBe(sim.header.join(','))
      expect(headers[2].split(',')).toHaveLength(sim.header.length)
    }))

  it('ragged-row: exactly one row of that part is missing a field', () =>
    withSimulator([{type: 'ragged-row'}], async (sim, org) => {
      const parts = await Promise.all((await completedUrls(sim, org)).map(async (u) => splitPart((await downloadText(u)).text).rows))
      const short = parts.map((rows) => rows.filter((r) => r.split(',').length !== sim.header.length))
      expect(short[0]).toHaveLength(1)
      expect(short[0][0].split(',')).toHaveLength(sim.header.length - 1)
      expect(short[1]).toHaveLength(0)
      expect(short[2]).toHaveLength(0)
    }))
})
