import {createWriteStream} from 'node:fs'
import {rename, rm} from 'node:fs/promises'
import type {Writable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {createGunzip} from 'node:zlib'

import got, {HTTPError, type Got} from 'got'

import {USER_AGENT} from '../api/client.js'
import {realSleep, type Sleep} from '../api/pacer.js'
import {DEFAULT_RETRY_POLICY, retryDecision, type RetryPolicy} from '../api/retry.js'
import type {Clock} from '../core/clock.js'
import {ApiError} from '../core/errors.js'
import {removeOnExit} from '../core/exit-cleanup.js'
import {fileSystemCode, fileSystemError} from '../core/fs-errors.js'
import {isZlibError} from '../core/gzip.js'
import {registerSecret} from '../core/secrets.js'
import {GUNZIP_CHUNK} from './part-scan.js'

/**
 * Presigned links are their own credential: they are fetched with a separate plain client that has no
 * Circle-Token, no Authorization and no cookie jar, so no credential can ever reach the storage origin.
 */
export const downloadClient: Got = got.extend({
  headers: {'user-agent': USER_AGENT},
  retry: {limit: 0},
  // The bytes must stay gzip: they are verified and stored as-is.
  decompress: false,
  // `socket` is an idle timeout, so multi-GB parts are not cut off while bytes keep flowing.
  timeout: {lookup: 15_000, connect: 15_000, secureConnect: 15_000, response: 60_000, socket: 60_000},
})

export function partLabel(jobId: string, index: number, total: number): string {
  return `part ${index + 1} of ${total} of job ${jobId}`
}

/** Transient download failures the generic retry rules do not know about. */
const CORRUPT = 'E_PART_CORRUPT'
const SHORT = 'E_PART_SHORT'
const DOWNLOAD_RETRY_CODES = [CORRUPT, SHORT] as const
const MAX_LINK_REFRESHES = 3

/**
 * The current download links of one job. When a link has expired, one GET of the job (shared by every part
 * that noticed) hands out fresh links; parts are matched by index.
 */
export class JobLinks {
  private refreshing: Promise<void> | undefined

  constructor(
    private urls: string[],
    private readonly fetchFresh: () => Promise<string[]>,
  ) {
    for (const url of urls) registerSecret(url)
  }

  get count(): number {
    return this.urls.length
  }

  url(index: number): string {
    return this.urls[index]
  }

  async refresh(index: number, stale: string): Promise<string> {
    if (this.urls[index] !== stale) return this.urls[index]
    if (this.refreshing === undefined) {
      this.refreshing = this.fetchFresh()
        .then((fresh) => {
          if (fresh.length !== this.urls.length) {
            throw new ApiError('E_PARTS_CHANGED', `The job now lists ${fresh.length} parts instead of ${this.urls.length}; rerun the export.`)
          }
          for (const url of fresh) registerSecret(url)
          this.urls = fresh
        })
        .finally(() => {
          this.refreshing = undefined
        })
    }
    await this.refreshing
    return this.urls[index]
  }
}

export interface PartToDownload {
  jobId: string
  index: number
  total: number
  links: JobLinks
  /** Final path `<out>/.parts/<jobId>-<n>.csv.gz`; the download goes to `<dest>.partial` first. */
  dest: string
}

export interface DownloadContext {
  clock: Clock
  sleep?: Sleep
  log: (line: string) => void
  retryPolicy?: RetryPolicy
  client?: Got
  /** Called before each wait between attempts; throws to give up (the export's --timeout). */
  beforeRetryWait?: (delayMs: number, reason: string) => void
}

/**
 * Where an attempt's decompressed bytes go, so a part is decompressed once, while it downloads (the export
 * scans it into its plain CSV: part-scan.ts). commit() runs once the gzip verified; abort() after a failure.
 */
export type DecompressedSink<T> = Writable & {
  commit(): Promise<T>
  abort(): Promise<void>
}

export interface DownloadedPart<T> {
  /** Size of the verified .csv.gz. */
  bytes: number
  uncompressedBytes: number
  /** What the sink made of the decompressed bytes. */
  output: T
}

function codedError(code: string, message: string): Error {
  return Object.assign(new Error(message), {code})
}

/**
 * One attempt: streams the body to disk and, at the same time, through gunzip (which checks the gzip CRC and
 * length) into the sink, so a truncated or corrupt part is caught without reading it twice or holding it in
 * memory, and its content is handled in the same pass.
 */
async function fetchOnce<T>(client: Got, url: string, partial: string, sink: DecompressedSink<T>): Promise<DownloadedPart<T>> {
  const source = client.stream(url)
  let declaredLength: number | undefined
  source.on('response', (response: {headers: Record<string, string | string[] | undefined>}) => {
    const header = response.headers['content-length']
    if (typeof header === 'string' && /^\d+$/.test(header)) declaredLength = Number(header)
  })
  const file = createWriteStream(partial)
  let uncompressedBytes = 0
  const gunzip = createGunzip({chunkSize: GUNZIP_CHUNK})
  try {
    const toFile = pipeline(source, file)
    const toSink = pipeline(source, gunzip, sink)
    // Counted beside the pipe to the sink, once that is in place.
    gunzip.on('data', (chunk: Buffer) => {
      uncompressedBytes += chunk.length
    })
    const results = await Promise.allSettled([toFile, toSink])
    const failures = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected').map((result) => result.reason)
    if (failures.length > 0) {
      // The HTTP status, or gzip's complaint, says more than the "premature close" the other branch sees.
      const withStatus = failures.find((error) => error instanceof HTTPError)
      if (withStatus !== undefined) throw withStatus
      // A full or read-only disk cuts the gzip branch short too; the disk is the cause, not the download.
      const local = failures.find((error) => fileSystemCode(error) !== undefined)
      if (local !== undefined) throw local
      if (failures.some(isZlibError)) throw codedError(CORRUPT, 'not valid gzip')
      throw failures[0]
    }
    if (declaredLength !== undefined && file.bytesWritten !== declaredLength) {
      throw codedError(SHORT, `received ${file.bytesWritten} of ${declaredLength} bytes`)
    }
    return {bytes: file.bytesWritten, uncompressedBytes, output: await sink.commit()}
  } catch (error) {
    await sink.abort()
    throw error
  }
}

/** The HTTP status of a refused download; a body cut short after a 200 is not a status failure. */
function refusedStatus(error: unknown): number | undefined {
  return error instanceof HTTPError ? error.response.statusCode : undefined
}

function describeFailure(error: unknown): string {
  const status = refusedStatus(error)
  if (status !== undefined) return `HTTP ${status}`
  const code = (error as {code?: string}).code
  if (code === CORRUPT) return 'the file is not valid gzip (truncated?)'
  if (code === SHORT) return 'the file arrived incomplete'
  return code ?? 'network error'
}

/**
 * Downloads one part to `<dest>.partial`, verifies it, and renames it to `dest`: a file at `dest` is always a
 * complete, verified part, so a rerun can skip it. Each attempt's decompressed bytes go to a fresh sink from
 * `sink`. Retries transient failures; refreshes expired links.
 */
export async function downloadPart<T>(part: PartToDownload, context: DownloadContext, sink: () => DecompressedSink<T>): Promise<DownloadedPart<T>> {
  const client = context.client ?? downloadClient
  const sleep = context.sleep ?? realSleep
  const policy: RetryPolicy = {...(context.retryPolicy ?? DEFAULT_RETRY_POLICY), extraRetryableCodes: DOWNLOAD_RETRY_CODES}
  const label = partLabel(part.jobId, part.index, part.total)
  const partial = `${part.dest}.partial`
  let url = part.links.url(part.index)
  let refreshes = 0
  let attempt = 0
  // Until the part is in place or given up: a signal ends the process without the catch that removes it.
  const forgetPartial = removeOnExit(partial)
  try {
    for (;;) {
      attempt++
      try {
        const downloaded = await fetchOnce(client, url, partial, sink())
        await rename(partial, part.dest)
        return downloaded
      } catch (error) {
        await rm(partial, {force: true})
        // Our own disk (full, read-only) is not a download failure: retrying cannot help, and the user must act.
        const local = fileSystemError(error, partial)
        if (local !== undefined) throw local
        const status = refusedStatus(error)
        if (status === 403 && refreshes < MAX_LINK_REFRESHES) {
          // S3 answers 403 for an expired signature: the job hands out fresh links on the next GET.
          refreshes++
          attempt--
          context.log(`${label}: download link refused (expired?); fetching fresh links from the job.`)
          url = await part.links.refresh(part.index, url)
          continue
        }
        // Judge by status only when the server refused; a cut-off body is judged by its error code.
        const failure = status ?? {code: (error as {code?: string}).code}
        const decision = retryDecision(attempt, failure, (error as HTTPError).response?.headers, context.clock(), policy)
        const reason = describeFailure(error)
        if (!decision.retry) {
          throw new ApiError(
            'E_DOWNLOAD_FAILED',
            `Could not download ${label}: ${reason} after ${attempt} attempt(s); rerun the same command to resume (verified parts are kept).`,
          )
        }
        context.beforeRetryWait?.(decision.delayMs, `${label}: ${reason}`)
        context.log(`${label}: ${reason}; retrying in ${(decision.delayMs / 1000).toFixed(1)} s.`)
        await sleep(decision.delayMs)
      }
    }
  } finally {
    forgetPartial()
  }
}
