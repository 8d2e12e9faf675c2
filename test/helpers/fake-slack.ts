/**
 * A fake Slack on 127.0.0.1 (port 0) for transport tests: the Web API methods the notifier uses
 * (chat.postMessage, files.getUploadURLExternal, files.completeUploadExternal), the byte upload to the
 * returned upload_url, and an incoming-webhook path. It checks the bearer token, records every request and
 * plays scripted failures: per route, a queue of responses served before the normal behaviour resumes.
 */
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

export type FakeRoute = 'chat.postMessage' | 'files.getUploadURLExternal' | 'files.completeUploadExternal' | 'upload' | 'webhook'

export interface RecordedRequest {
  route: FakeRoute | 'unknown'
  path: string
  headers: IncomingMessage['headers']
  /** Form fields (Web API), the JSON body (webhook), or {} for the binary upload. */
  fields: Record<string, unknown>
  raw: Buffer
  at: number
}

/** A scripted answer: an HTTP status and body, or a dropped connection. */
export type ScriptedResponse =
  | {status?: number; body?: unknown; headers?: Record<string, string>}
  | {network: 'reset'}

export interface FakeSlack {
  /** Base URL of the Web API, for WebClient's slackApiUrl: http://127.0.0.1:PORT/api/ */
  apiUrl: string
  webhookUrl: string
  token: string
  requests: RecordedRequest[]
  /** Queue responses for a route; each is used once, in order. */
  script(route: FakeRoute, ...responses: ScriptedResponse[]): void
  /** Channel names the fake resolves to IDs (as Slack does when posting by name). */
  channels: Map<string, string>
  close(): Promise<void>
}

export const FAKE_TS = '1731916800.000100'

const WEBHOOK_PATH = '/services/T0000FAKE/B0000FAKE/xW3bh00kS3cr3tP4rtOfTheUrl'

function routeOf(path: string): FakeRoute | 'unknown' {
  if (path === WEBHOOK_PATH) return 'webhook'
  if (path.startsWith('/upload/')) return 'upload'
  const method = path.replace(/^\/api\//, '')
  if (method === 'chat.postMessage' || method === 'files.getUploadURLExternal' || method === 'files.completeUploadExternal') return method
  return 'unknown'
}

function parseFields(request: IncomingMessage, raw: Buffer): Record<string, unknown> {
  const type = request.headers['content-type'] ?? ''
  if (type.startsWith('application/x-www-form-urlencoded')) {
    const fields: Record<string, unknown> = {}
    for (const [key, value] of new URLSearchParams(raw.toString('utf8'))) fields[key] = value
    return fields
  }
  if (type.startsWith('application/json')) {
    try {
      return JSON.parse(raw.toString('utf8')) as Record<string, unknown>
    } catch {
      return {}
    }
  }
  return {}
}

export async function startFakeSlack(token = 'xoxb-fake-0000-TOKEN-never-print'): Promise<FakeSlack> {
  const requests: RecordedRequest[] = []
  const scripts = new Map<FakeRoute, ScriptedResponse[]>()
  const channels = new Map<string, string>([
    ['#usage', 'C0USAGE001'],
    ['usage', 'C0USAGE001'],
  ])
  let baseUrl = ''
  let uploads = 0

  const json = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    response.writeHead(status, {'content-type': 'application/json; charset=utf-8', ...headers})
    response.end(typeof body === 'string' ? body : JSON.stringify(body))
  }

  const knownChannel = (channel: unknown): string | undefined => {
    if (typeof channel !== 'string') return undefined
    if (/^[CGD][A-Z0-9]{6,}$/.test(channel)) return channel
    return channels.get(channel)
  }

  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const raw = Buffer.concat(chunks)
      const path = new URL(request.url ?? '/', 'http://fake').pathname
      const route = routeOf(path)
      const fields = route === 'upload' ? {} : parseFields(request, raw)
      requests.push({route, path, headers: request.headers, fields, raw, at: Date.now()})

      const scripted = route === 'unknown' ? undefined : scripts.get(route)?.shift()
      if (scripted) {
        if ('network' in scripted) {
          request.socket.destroy()
          return
        }
        json(response, scripted.status ?? 200, scripted.body ?? {ok: true}, scripted.headers)
        return
      }

      if (route === 'webhook') {
        response.writeHead(200, {'content-type': 'text/plain'})
        response.end('ok')
        return
      }
      if (route === 'upload') {
        response.writeHead(200, {'content-type': 'text/plain'})
        response.end(`OK - ${raw.length}`)
        return
      }
      if (route === 'unknown') {
        json(response, 404, {ok: false, error: 'unknown_method'})
        return
      }
      if (request.headers.authorization !== `Bearer ${token}`) {
        json(response, 200, {ok: false, error: 'invalid_auth'})
        return
      }
      if (route === 'chat.postMessage') {
        const channel = knownChannel(fields.channel)
        if (!channel) {
          json(response, 200, {ok: false, error: 'channel_not_found'})
          return
        }
        json(response, 200, {ok: true, channel, ts: FAKE_TS, message: {text: fields.text}})
        return
      }
      if (route === 'files.getUploadURLExternal') {
        uploads += 1
        const fileId = `F0FAKE${String(uploads).padStart(4, '0')}`
        json(response, 200, {ok: true, upload_url: `${baseUrl}/upload/${fileId}`, file_id: fileId})
        return
      }
      // files.completeUploadExternal
      const files = JSON.parse(String(fields.files ?? '[]')) as {id: string; title?: string}[]
      json(response, 200, {ok: true, files: files.map((file) => ({id: file.id, title: file.title}))})
    })
  })

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  baseUrl = `http://127.0.0.1:${port}`
  return {
    apiUrl: `${baseUrl}/api/`,
    webhookUrl: `${baseUrl}${WEBHOOK_PATH}`,
    token,
    requests,
    channels,
    script(route, ...responses) {
      scripts.set(route, [...(scripts.get(route) ?? []), ...responses])
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}
