import type {IncomingMessage, ServerResponse} from 'node:http'
import {Readable} from 'node:stream'

import type {Clock} from '../core/clock.js'
import {type Dataset, selectRows} from './dataset.js'
import type {FaultBook} from './faults.js'
import {flakyTestsAnswer, type FlakyTestTable} from './flaky-tests.js'
import type {ExportJob, JobStore} from './jobs.js'
import type {SlidingWindowLimiter} from './rate-limit.js'
import type {UrlSigner} from './signing.js'
import type {Fault, FaultTarget, RecordedRequest} from './types.js'
import {validateExportWindow} from './validation.js'
import {planShares, SHARES_FOR_PATH} from './plan-shares.js'
import type {SharesForBehaviour} from './types.js'

export interface ServerContext {
  clock: Clock
  token: string
  allowedOrgIds: ReadonlySet<string>
  dataset: Dataset
  jobs: JobStore
  faults: FaultBook
  signer: UrlSigner
  postLimiter: SlidingWindowLimiter
  getLimiter: SlidingWindowLimiter
  urlTtlSeconds: number
  requests: RecordedRequest[]
  /** How GET /private/orgs/{id}/plan/shares-for answers (default: the dataset's orgs). */
  sharesFor?: SharesForBehaviour
  /** What the Insights flaky-tests endpoint answers, per project. */
  flakyTests: FlakyTestTable
  /** Known only once the download server listens. */
  downloadOrigin: () => string
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void

const JOBS_PATH = /^\/api\/v2\/organizations\/([^/]+)\/usage_export_job(?:\/([^/]+))?\/?$/
const FLAKY_TESTS_PATH = /^\/api\/v2\/insights\/([^/]+)\/([^/]+)\/([^/]+)\/flaky-tests\/?$/
const PART_PATH = /^\/exports\/([^/]+)\/part-(\d+)\.csv\.gz$/
const MAX_BODY_BYTES = 64 * 1024

/** Routes of the Usage API: create an export job, read its state. */
export function createApiHandler(context: ServerContext): Handler {
  return (req, res) => {
    const exchange = recorder(context, 'api', req, res)
    const path = pathOf(req)
    const shares = req.method === 'GET' ? SHARES_FOR_PATH.exec(path) : null
    if (shares) return answerSharesFor(context, decodeURIComponent(shares[1]), req, exchange)
    const flaky = req.method === 'GET' ? FLAKY_TESTS_PATH.exec(path) : null
    if (flaky) return answerFlakyTests(context, flaky.slice(1, 4), req, exchange)
    const match = JOBS_PATH.exec(path)
    const isCreate = match && !match[2] && req.method === 'POST'
    const isRead = match && match[2] && req.method === 'GET'
    if (!isCreate && !isRead) return exchange.json(404, {message: 'Not found.'})
    // Injected faults come before auth and limits, as a load balancer's 502 or a dropped socket would.
    if (injectRequestFault(context.faults, isCreate ? 'post' : 'get', exchange, 'json')) return

    if (req.headers['circle-token'] !== context.token) return exchange.json(401, {message: 'Invalid token provided.'})
    const orgId = decodeURIComponent(match[1])
    if (!context.allowedOrgIds.has(orgId)) return exchange.json(403, {message: 'Permission denied.'})
    const limit = (isCreate ? context.postLimiter : context.getLimiter).take(orgId)
    if (!limit.allowed) {
      return exchange.json(429, {message: 'Rate limit exceeded.'}, {'retry-after': String(limit.retryAfterSeconds)})
    }
    if (isCreate) {
      readJsonBody(req).then(
        (body) => createJob(context, orgId, body, exchange),
        (error: Error) => exchange.json(400, {message: error.message}),
      )
      return
    }
    readJob(context, orgId, decodeURIComponent(match[2]), exchange)
  }
}

/** The private shares-for endpoint: not rate limited with the Usage API, and scriptable (404, a hang, any body). */
function answerSharesFor(context: ServerContext, orgId: string, req: IncomingMessage, exchange: Exchange): void {
  const behaviour = context.sharesFor ?? {}
  const answer = () => {
    // A late answer to a client that gave up (or a simulator that closed) has nowhere to go.
    if (req.socket.destroyed) return
    if (req.headers['circle-token'] !== context.token) return exchange.json(401, {message: 'Invalid token provided.'})
    if (behaviour.status !== undefined) return exchange.json(behaviour.status, {message: behaviour.status === 404 ? 'Not found.' : 'Error.'})
    if (!context.allowedOrgIds.has(orgId)) return exchange.json(403, {message: 'Permission denied.'})
    exchange.json(200, behaviour.body !== undefined ? behaviour.body : planShares(context.dataset, orgId))
  }
  if (behaviour.delayMs) setTimeout(answer, behaviour.delayMs).unref()
  else answer()
}

/** Insights' flaky tests of one project (gh/<org>/<repo>, bb/..., circleci/<org-id>/<project-id>). */
function answerFlakyTests(context: ServerContext, segments: string[], req: IncomingMessage, exchange: Exchange): void {
  if (injectRequestFault(context.faults, 'insights', exchange, 'json')) return
  if (req.headers['circle-token'] !== context.token) return exchange.json(401, {message: 'Invalid token provided.'})
  let slug: string
  try {
    slug = segments.map((segment) => decodeURIComponent(segment)).join('/')
  } catch {
    return exchange.json(400, {message: 'Invalid project slug.'})
  }
  const answer = flakyTestsAnswer(context.flakyTests, slug)
  exchange.json(answer.status, answer.body)
}

function createJob(context: ServerContext, orgId: string, body: unknown, exchange: Exchange): void {
  const window = validateExportWindow(body, context.clock())
  if (!window.ok) return exchange.json(400, {message: window.message})
  const sharedOrgIds = window.sharedOrgIds.filter((id) => id !== orgId)
  const denied = sharedOrgIds.find((id) => !context.allowedOrgIds.has(id))
  if (denied !== undefined) return exchange.json(403, {message: 'Permission denied for a shared_org_ids entry.'})
  const rows = selectRows(context.dataset, [orgId, ...sharedOrgIds], window.startMs, window.endMs)
  const job = context.jobs.create(orgId, rows.map((r) => r.line), window.start, window.end)
  exchange.json(201, {usage_export_job_id: job.id, state: 'created', start: job.start, end: job.end})
}

function readJob(context: ServerContext, orgId: string, jobId: string, exchange: Exchange): void {
  const job = context.jobs.find(orgId, jobId)
  if (!job) return exchange.json(404, {message: 'Usage export job not found.'})
  const state = context.jobs.poll(job)
  const body: Record<string, unknown> = {usage_export_job_id: job.id, state, start: job.start, end: job.end}
  if (state === 'failed' && job.outcome.kind === 'failed') body.error_reason = job.outcome.errorReason
  if (state === 'completed' && context.jobs.hasUrls(job)) body.download_urls = downloadUrls(context, job)
  exchange.json(200, body)
}

function downloadUrls(context: ServerContext, job: ExportJob): string[] {
  const now = context.clock().getTime()
  return Array.from({length: context.jobs.partCount}, (_, part) => {
    const path = `/exports/${job.id}/part-${part}.csv.gz`
    const expired = context.faults.take('expired-url', (f) => (f.part ?? 0) === part)
    // An already-expired link: signed long enough ago that its lifetime has run out.
    const signedAt = expired ? new Date(now - (context.urlTtlSeconds + 60) * 1000) : new Date(now)
    return `${context.downloadOrigin()}${path}?${context.signer.sign(path, context.urlTtlSeconds, signedAt)}`
  })
}

/** The presigned-URL origin: no credential accepted, S3-style XML errors. */
export function createDownloadHandler(context: ServerContext): Handler {
  return (req, res) => {
    const exchange = recorder(context, 'download', req, res)
    // A client that sends its CircleCI token to the storage origin leaks it: fail loudly so tests catch it.
    if (req.headers['circle-token'] !== undefined || req.headers.authorization !== undefined) {
      return exchange.xml(400, 'InvalidRequest', 'Credentials must not be sent with a presigned URL.')
    }
    if (injectRequestFault(context.faults, 'download', exchange, 'xml')) return
    const match = req.method === 'GET' ? PART_PATH.exec(pathOf(req)) : null
    if (!match) return exchange.xml(404, 'NoSuchKey', 'The specified key does not exist.')

    const verdict = context.signer.verify(pathOf(req), new URL(req.url ?? '/', 'http://x').searchParams)
    if (verdict === 'expired') return exchange.xml(403, 'AccessDenied', 'Request has expired')
    if (verdict !== 'ok') {
      return exchange.xml(403, 'AccessDenied', 'The request signature we calculated does not match the signature you provided.')
    }
    const job = context.jobs.byId(match[1])
    const part = Number(match[2])
    if (!job || !context.jobs.hasUrls(job) || part >= context.jobs.partCount) {
      return exchange.xml(404, 'NoSuchKey', 'The specified key does not exist.')
    }
    const truncate = context.faults.take('truncate-part', (f) => (f.part ?? 0) === part)
    context.jobs.partGzip(job, part).then(
      (gzip) => {
        if (truncate) return exchange.truncatedGzip(gzip)
        const range = parseRange(req.headers.range, gzip.length)
        if (range === 'unsatisfiable') {
          return exchange.xml(416, 'InvalidRange', 'The requested range is not satisfiable', {'content-range': `bytes */${gzip.length}`})
        }
        exchange.gzip(gzip, range)
      },
      () => exchange.xml(500, 'InternalError', 'We encountered an internal error. Please try again.'),
    )
  }
}

function injectRequestFault(faults: FaultBook, on: FaultTarget, exchange: Exchange, style: 'json' | 'xml'): boolean {
  const onThis = (f: Extract<Fault, {on: string}>) => f.on === on
  const reset = faults.take('network-reset', onThis)
  if (reset) {
    exchange.reset()
    return true
  }
  const limited = faults.take('rate-limit', onThis)
  if (limited) {
    const retryAfter = limited.retryAfter === undefined ? 1 : limited.retryAfter
    const headers: Record<string, string> = retryAfter === null ? {} : {'retry-after': String(retryAfter)}
    if (style === 'json') exchange.json(429, {message: 'Rate limit exceeded.'}, headers)
    else exchange.xml(429, 'SlowDown', 'Please reduce your request rate.', headers)
    return true
  }
  const failure = faults.take('server-error', onThis)
  if (failure) {
    const status = failure.status ?? 500
    if (style === 'json') exchange.json(status, {message: 'Internal Server Error'})
    else exchange.xml(status, 'InternalError', 'We encountered an internal error. Please try again.')
    return true
  }
  return false
}

interface Exchange {
  json(status: number, body: unknown, headers?: Record<string, string>): void
  xml(status: number, code: string, message: string, headers?: Record<string, string>): void
  gzip(body: Buffer, range?: ByteRange): void
  truncatedGzip(body: Buffer): void
  reset(): void
}

function recorder(context: ServerContext, server: 'api' | 'download', req: IncomingMessage, res: ServerResponse): Exchange {
  const record = (status: number) => context.requests.push({
    server, method: req.method ?? '', path: pathOf(req), status,
    hadCircleToken: req.headers['circle-token'] !== undefined,
    hadAuthorization: req.headers.authorization !== undefined,
    at: context.clock(),
  })
  const send = (status: number, contentType: string, body: string, headers: Record<string, string> = {}) => {
    record(status)
    res.writeHead(status, {'content-type': contentType, 'content-length': Buffer.byteLength(body), ...headers})
    res.end(body)
  }
  return {
    json: (status, body, headers) => send(status, 'application/json', JSON.stringify(body), headers),
    xml: (status, code, message, headers) => send(status, 'application/xml',
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`, headers),
    gzip(body, range) {
      const common = {'content-type': 'application/gzip', 'accept-ranges': 'bytes', etag: `"${body.length}-${crc(body)}"`}
      if (range) {
        record(206)
        res.writeHead(206, {...common, 'content-length': range.end - range.start + 1,
          'content-range': `bytes ${range.start}-${range.end}/${body.length}`})
        Readable.from(slices(body.subarray(range.start, range.end + 1))).pipe(res)
        return
      }
      record(200)
      res.writeHead(200, {...common, 'content-length': body.length})
      Readable.from(slices(body)).pipe(res)
    },
    truncatedGzip(body) {
      record(200)
      // Correct headers, then the connection dies half way: the client sees a short, invalid gzip body.
      res.writeHead(200, {'content-type': 'application/gzip', 'content-length': body.length})
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy())
    },
    reset() {
      record(0)
      req.socket.destroy()
    },
  }
}

interface ByteRange {
  start: number
  end: number
}

/** A single `bytes=a-b`, `bytes=a-` or `bytes=-n` range, as S3 honours it (so a client can resume a cut download). */
function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null
  if (!match || (match[1] === '' && match[2] === '')) return undefined
  const range = match[1] === ''
    ? {start: Math.max(0, size - Number(match[2])), end: size - 1}
    : {start: Number(match[1]), end: match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1)}
  return range.start >= size || range.start > range.end ? 'unsatisfiable' : range
}

/** The gzip trailer's CRC-32 of the content: a cheap stable tag for the part. */
function crc(gzip: Buffer): string {
  return gzip.length >= 8 ? gzip.readUInt32LE(gzip.length - 8).toString(16) : '0'
}

function* slices(body: Buffer): Generator<Buffer> {
  for (let offset = 0; offset < body.length; offset += 64 * 1024) yield body.subarray(offset, offset + 64 * 1024)
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/'
  const query = url.indexOf('?')
  return query < 0 ? url : url.slice(0, query)
}

function readJsonBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_BODY_BYTES) chunks.push(chunk)
    })
    req.on('error', reject)
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return reject(new Error('Request body too large.'))
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')))
      } catch {
        reject(new Error('Request body must be a JSON object with start and end.'))
      }
    })
  })
}
