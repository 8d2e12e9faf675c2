import {gunzipSync} from 'node:zlib'

import type {Simulator} from '../../src/simulator/index.js'

/** A clock the test moves by hand. */
export function manualClock(iso: string) {
  let nowMs = Date.parse(iso)
  return {
    clock: () => new Date(nowMs),
    advance(ms: number) {
      nowMs += ms
    },
  }
}

export interface ApiAnswer {
  status: number
  headers: Headers
  body: Record<string, unknown>
}

export async function api(sim: Simulator, method: 'GET' | 'POST', path: string, options: {body?: unknown; token?: string | null} = {}): Promise<ApiAnswer> {
  const headers: Record<string, string> = {'content-type': 'application/json'}
  const token = options.token === undefined ? sim.token : options.token
  if (token !== null) headers['Circle-Token'] = token
  const response = await fetch(`${sim.apiUrl}${path}`, {
    method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body),
  })
  const text = await response.text()
  return {status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {}}
}

export const jobsPath = (orgId: string, id?: string) =>
  `/api/v2/organizations/${orgId}/usage_export_job${id === undefined ? '' : `/${id}`}`

export async function createJob(sim: Simulator, orgId: string, start: Date, end: Date, sharedOrgIds?: string[]): Promise<string> {
  const answer = await api(sim, 'POST', jobsPath(orgId), {
    body: {start: start.toISOString(), end: end.toISOString(), ...(sharedOrgIds ? {shared_org_ids: sharedOrgIds} : {})},
  })
  if (answer.status !== 201) throw new Error(`create failed: ${answer.status} ${JSON.stringify(answer.body)}`)
  return answer.body.usage_export_job_id as string
}

/** Polls until the job leaves created/processing (bounded, so a broken state machine fails the test). */
export async function pollUntilDone(sim: Simulator, orgId: string, id: string, maxPolls = 10): Promise<{states: string[]; last: ApiAnswer}> {
  const states: string[] = []
  for (let i = 0; i < maxPolls; i++) {
    const answer = await api(sim, 'GET', jobsPath(orgId, id))
    states.push(answer.body.state as string)
    if (answer.body.state !== 'created' && answer.body.state !== 'processing') return {states, last: answer}
  }
  throw new Error(`job ${id} still pending after ${maxPolls} polls: ${states.join(', ')}`)
}

export async function downloadText(url: string, headers: Record<string, string> = {}): Promise<{status: number; text: string; headers: Headers}> {
  const response = await fetch(url, {headers})
  const raw = Buffer.from(await response.arrayBuffer())
  const isGzip = response.headers.get('content-type') === 'application/gzip'
  return {status: response.status, headers: response.headers, text: isGzip ? gunzipSync(raw).toString('utf8') : raw.toString('utf8')}
}

/** Splits a served part into its header and rows (the dialect ends every line with LF). */
export function splitPart(text: string): {header: string; rows: string[]} {
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  return {header: lines[0], rows: lines.slice(1)}
}

export const DAY_MS = 86_400_000
