import {existsSync} from 'node:fs'
import {rm, stat} from 'node:fs/promises'
import {join, resolve} from 'node:path'

import {normalizeHost, UsageApi, type ExportJob} from '../api/client.js'
import {MAX_SILENT_WAIT_MS, realSleep, type Sleep} from '../api/pacer.js'
import type {RetryPolicy} from '../api/retry.js'
import {retireArtifacts} from '../core/artifact-set.js'
import type {Clock} from '../core/clock.js'
import {ApiError, BadInputError, CciUsageError, TimeoutError} from '../core/errors.js'
import {makeFolders} from '../core/fs-errors.js'
import {redact, registerSecret} from '../core/secrets.js'
import {USAGE_COLUMNS} from '../core/usage-columns.js'
import {downloadPart, JobLinks, partLabel} from './download.js'
import {formatDuration} from './duration.js'
import {
  completedExportCovers,
  MANIFEST_FILE,
  ManifestStore,
  type ExportManifest,
  partFileName,
  planManifest,
  readManifest,
  type ManifestWindow,
} from './manifest.js'
import {assembleParts, type ScannedPart} from './merge.js'
import {PartScanner, scanPartFile, type PartScan, type PartScanOptions} from './part-scan.js'
import {loadScan, plainFileName, removePlain, saveScan} from './part-store.js'
import {resumeCommand} from './resume.js'
import {withResumeAdvice} from './resume-advice.js'
import {discoverSharedOrgs, mergeSharedOrgIds, type PlanOrg} from './shared-plan.js'
import {jobOutcome} from './state.js'
import {boundaryDays, coalesceRanges, formatInstant, planWindows, validateRange, type DateRange} from './windows.js'

export type {DateRange} from './windows.js'

export {DEFAULT_HOST} from './default-host.js'
export {resumeCommand} from './resume.js'
/** One GET every 6 s is exactly the documented 10 a minute, and notices completion within ~6 s per window. */
export const DEFAULT_POLL_INTERVAL_MS = 6000
/**
 * An export job still not completed this long after it was created is stuck on CircleCI's side (they take minutes,
 * an hour for a large year): resuming it would time out on every rerun, so a rerun creates a new job instead.
 */
const STUCK_JOB_MS = 24 * 3_600_000
/**
 * Parts downloading (and being decompressed and scanned) at once. Inflating runs on libuv's thread pool (4
 * threads) and the scan on the main thread, so four parts keep two cores busy until the last part ends, where
 * three left a job's fourth part to run alone at the end.
 */
const DOWNLOAD_CONCURRENCY = 4

export interface ExportOptions {
  host: string
  token: string
  orgId: string
  sharedOrgIds: string[]
  range: DateRange
  /**
   * More ranges to export in the same run (a history's missing days): coalesced with `range` into as few
   * windows of at most 31 days as possible, one manifest, one usage.csv holding every row exported.
   */
  extraRanges?: readonly DateRange[]
  outDir: string
  /** How long to wait for export jobs to complete. */
  timeoutMs: number
  /** Least time between two polls (across all windows); the rate pacer still caps GETs at 10 a minute. */
  pollIntervalMs?: number
  /**
   * Keep the verified gzip parts in <out>/.parts after a successful merge, so a rerun downloads nothing (their
   * plain CSVs go: a rerun makes them again). Off by default: the parts add to the disk used, and the orb would
   * upload them as artifacts too.
   */
  keepParts?: boolean
  /** Ask CircleCI which organizations share the plan and export them too (--discover-shared-orgs). */
  discoverSharedOrgs?: boolean
  /** Against the embedded simulator (--demo), which stops with the run: the resume command says --demo. */
  demo?: boolean
  /**
   * Reuse a completed export of the folder that holds at least what is asked, from jobs created the same UTC day
   * (`run`: its report and history take only their days from usage.csv). Not for `export`, whose usage.csv must be
   * the range asked for.
   */
  reuseCompleted?: boolean
}

export interface ExportContext {
  clock: Clock
  log: (line: string) => void
  /** Problems that do not stop the export (a failed discovery); defaults to the log. */
  warn?: (line: string) => void
  sleep?: (ms: number) => Promise<void>
  /** Tests shorten backoff; production uses the default policy. */
  retryPolicy?: RetryPolicy
}

export interface ExportResult {
  csvPath: string
  manifestPath: string
  range: {start: string; end: string}
  windows: {start: string; end: string; jobId: string; state: string; parts: number; rows: number; createdAt?: string}[]
  rows: number
  duplicatesDropped: number
  bytes: number
  empty: boolean
  /** With --discover-shared-orgs: the primary org and the organizations CircleCI listed; null otherwise or when it failed. */
  sharedPlan: {primaryOrgId: string; orgs: PlanOrg[]} | null
}

/** A small counting semaphore: parts download a few at a time. */
function limiter(concurrency: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0
  const waiting: (() => void)[] = []
  return async (task) => {
    if (active >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve))
    active++
    try {
      return await task()
    } finally {
      active--
      waiting.shift()?.()
    }
  }
}

class ExportRun {
  private readonly sleep: Sleep
  private readonly api: UsageApi
  private readonly partsDir: string
  private readonly downloads: Promise<void>[] = []
  /** The first download that failed for good: polling stops at it, the export cannot succeed any more. */
  private downloadFailure: {error: unknown} | undefined
  private readonly limit = limiter(DOWNLOAD_CONCURRENCY)
  /** Scans of this run's parts by .csv.gz file name: the merge needs them, and each part is scanned once. */
  private readonly scans = new Map<string, PartScan>()
  /** Windows whose job ids came from a previous run: a 404 or failure there means "create a new one". */
  private readonly inherited = new Set<number>()
  /**
   * When each window's job was last reported. A job can stay processing for an hour (a large year) and --timeout
   * may be longer, while a CI step that prints nothing for its no_output_timeout (the orb's: 60 min) is killed:
   * an unchanged state is reported again every MAX_SILENT_WAIT_MS, as the pacer reports its long waits.
   */
  private readonly reportedAt = new Map<number, number>()
  private deadline = 0

  constructor(
    private readonly options: ExportOptions,
    private readonly context: ExportContext,
    private readonly store: ManifestStore,
    private readonly windows: DateRange[],
    private readonly outDir: string,
  ) {
    this.sleep = context.sleep ?? realSleep
    this.partsDir = join(outDir, '.parts')
    this.api = new UsageApi({
      host: options.host,
      token: options.token,
      clock: context.clock,
      sleep: this.sleep,
      log: context.log,
      retryPolicy: context.retryPolicy,
      beforeRetryWait: this.checkWait,
    })
  }

  /** A wait before a retry (the API's, or a download's Retry-After) that would pass --timeout ends the run now, resumable. */
  private readonly checkWait = (delayMs: number, reason: string): void => {
    if (this.context.clock().getTime() + delayMs > this.deadline) this.throwTimeout(`${reason}, and waiting would pass --timeout`, true)
  }

  private get manifest() {
    return this.store.manifest
  }

  private describe(index: number): string {
    const window = this.manifest.windows[index]
    return `window ${index + 1}/${this.windows.length} (${formatInstant(new Date(window.start))} .. ${formatInstant(new Date(window.end))})`
  }

  async run(): Promise<ExportResult> {
    try {
      await makeFolders(this.partsDir)
      this.deadline = this.context.clock().getTime() + this.options.timeoutMs
      this.manifest.windows.forEach((window, index) => {
        if (window.jobId !== undefined && window.state !== 'failed') this.inherited.add(index)
      })
      await this.store.save()
      let stopped: {error: unknown} | undefined
      try {
        for (let index = 0; index < this.windows.length; index++) {
          if (!this.inherited.has(index)) await this.createJob(index)
          else this.context.log(`${this.describe(index)}: reusing job ${this.manifest.windows[index].jobId} (${this.manifest.windows[index].state}).`)
        }
        await this.pollUntilDone()
      } catch (error) {
        stopped = {error}
      }
      // Let running downloads finish so the manifest records every verified part for the rerun.
      const settled = await Promise.allSettled(this.downloads)
      if (stopped !== undefined) throw stopped.error
      const failure = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected')
      if (failure !== undefined) throw failure.reason
      return await this.merge()
    } catch (error) {
      // The manifest keeps the reason alone: report's warning about an unfinished export names the resume command itself.
      await this.recordStop(error)
      throw withResumeAdvice(error, resumeCommand(this.options))
    }
  }

  /**
   * Whatever stopped the export (API, timeout, a full disk), the manifest must not keep saying `running`. Best
   * effort: on a full disk even this may fail, and then readers treat a `running` manifest whose folder lock is
   * gone as interrupted (see report/export-state.ts).
   */
  private async recordStop(error: unknown): Promise<void> {
    this.manifest.status = error instanceof TimeoutError ? 'timed-out' : 'failed'
    this.manifest.failure = redact((error instanceof Error ? error.message : String(error)).split('\n')[0])
    await this.store.save().catch(() => undefined)
  }

  private async createJob(index: number): Promise<void> {
    const window = this.manifest.windows[index]
    const wait = this.api.postWaitMs(this.options.orgId)
    if (this.context.clock().getTime() + wait > this.deadline) {
      this.throwTimeout(`the POST budget (10 an hour) is used up: the next export job could be created only in about ${Math.ceil(wait / 60_000)} min`, true)
    }
    const job = await this.api.createExportJob(this.options.orgId, {
      start: formatInstant(new Date(window.start)),
      end: formatInstant(new Date(window.end)),
      sharedOrgIds: this.options.sharedOrgIds,
    })
    window.jobId = job.id
    window.state = job.state
    // When the API took its snapshot: the history judges from it whether a day's data was final.
    window.createdAt = this.context.clock().toISOString()
    window.parts = []
    window.partCount = undefined
    window.rows = undefined
    this.inherited.delete(index)
    await this.store.save()
    this.context.log(`${this.describe(index)}: created export job ${job.id} (${job.state}).`)
  }

  /** True when a previous run already verified every part of a completed job (no GET needed). */
  private async alreadyDownloaded(window: ManifestWindow): Promise<boolean> {
    if (window.state !== 'completed' || window.partCount === undefined) return false
    if (window.parts.length !== window.partCount) return false
    for (const part of window.parts) {
      if (!part.verified) return false
      const size = await stat(join(this.partsDir, part.file)).then((info) => info.size, () => -1)
      if (size !== part.bytes) return false
    }
    return true
  }

  private async pollUntilDone(): Promise<void> {
    const interval = this.options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS
    const pending: number[] = []
    for (let index = 0; index < this.windows.length; index++) {
      if (this.inherited.has(index) && (await this.alreadyDownloaded(this.manifest.windows[index]))) {
        this.context.log(`${this.describe(index)}: job ${this.manifest.windows[index].jobId} already downloaded.`)
        continue
      }
      pending.push(index)
    }
    let lastPoll = Number.NEGATIVE_INFINITY
    while (pending.length > 0) {
      if (this.downloadFailure !== undefined) throw this.downloadFailure.error
      const index = pending.shift()!
      const now = this.context.clock().getTime()
      const due = lastPoll + interval
      if (due > now) {
        if (due > this.deadline) this.throwTimeout()
        await this.sleep(due - now)
      }
      if (this.context.clock().getTime() > this.deadline) this.throwTimeout()
      lastPoll = this.context.clock().getTime()
      const done = await this.poll(index)
      if (!done) pending.push(index)
    }
  }

  /** One GET of a window's job; returns true once the window needs no more polling. */
  private async poll(index: number): Promise<boolean> {
    const window = this.manifest.windows[index]
    const jobId = window.jobId!
    let job: ExportJob
    try {
      job = await this.api.getExportJob(this.options.orgId, jobId)
    } catch (error) {
      if (this.inherited.has(index) && error instanceof CciUsageError && error.code === 'E_API_NOT_FOUND') {
        this.context.log(`${this.describe(index)}: job ${jobId} from the previous run no longer exists; creating a new one.`)
        await this.createJob(index)
        return false
      }
      throw error
    }
    const now = this.context.clock().getTime()
    if (job.state !== window.state) {
      this.context.log(`${this.describe(index)}: job ${jobId} is ${job.state}.`)
      this.reportedAt.set(index, now)
      window.state = job.state
      await this.store.save()
    } else if (!this.reportedAt.has(index)) {
      this.reportedAt.set(index, now)
    } else if (now - this.reportedAt.get(index)! >= MAX_SILENT_WAIT_MS) {
      const since = window.createdAt === undefined ? '' : ` ${Math.floor((now - Date.parse(window.createdAt)) / 60_000)} min after it was created`
      this.context.log(`${this.describe(index)}: job ${jobId} is still ${job.state}${since}.`)
      this.reportedAt.set(index, now)
    }
    const outcome = jobOutcome(job)
    switch (outcome.kind) {
      case 'wait':
        if (this.inherited.has(index) && window.createdAt !== undefined) {
          const age = this.context.clock().getTime() - Date.parse(window.createdAt)
          if (age >= STUCK_JOB_MS) {
            this.context.log(`${this.describe(index)}: job ${jobId} from a previous run is still ${job.state} ${Math.floor(age / 3_600_000)} h after it was created; creating a new one.`)
            await this.createJob(index)
          }
        }
        return false
      case 'failed':
        if (this.inherited.has(index)) {
          this.context.log(`${this.describe(index)}: job ${jobId} from the previous run failed (${outcome.reason}); creating a new one.`)
          await this.createJob(index)
          return false
        }
        throw new ApiError(
          'E_EXPORT_FAILED',
          `Export job ${jobId} for ${this.describe(index)} failed: ${outcome.reason.replace(/\.+$/, '')}. Rerun the command to try again (a new job will be created).`,
          {jobId},
        )
      case 'empty':
        window.partCount = 0
        window.parts = []
        await this.store.save()
        this.context.log(`${this.describe(index)}: job ${jobId} completed with no usage in this window.`)
        return true
      case 'download':
        this.startDownloads(index, job)
        return true
    }
  }

  private startDownloads(index: number, job: ExportJob): void {
    const window = this.manifest.windows[index]
    const total = job.downloadUrls.length
    if (window.partCount !== total) window.parts = []
    window.partCount = total
    this.context.log(`${this.describe(index)}: job ${job.id} completed with ${total} part(s).`)
    const links = new JobLinks(job.downloadUrls, async () => (await this.api.getExportJob(this.options.orgId, job.id)).downloadUrls)
    for (let partIndex = 0; partIndex < total; partIndex++) {
      const download = this.limit(() => this.downloadOne(window, job.id, partIndex, total, links))
      // Handled at once: other windows may poll for minutes before run() collects the downloads, and a rejection
      // nobody handles meanwhile ends node (exit 1, a stack trace) instead of the export's own error.
      download.catch((error: unknown) => {
        this.downloadFailure ??= {error}
      })
      this.downloads.push(download)
    }
  }

  private scanOptions(label: string): PartScanOptions {
    return {label, boundaryDays: boundaryDays(this.windows), collectRepeats: this.windows.length > 1}
  }

  private async downloadOne(window: ManifestWindow, jobId: string, index: number, total: number, links: JobLinks): Promise<void> {
    const file = partFileName(jobId, index)
    const dest = join(this.partsDir, file)
    const label = partLabel(jobId, index, total)
    const known = window.parts.find((part) => part.index === index)
    if (known?.verified) {
      const size = await stat(dest).then((info) => info.size, () => -1)
      if (size === known.bytes) {
        this.context.log(`${label}: already downloaded and verified.`)
        return
      }
    }
    const csvFile = plainFileName(file)
    const plainPath = join(this.partsDir, csvFile)
    if (known === undefined && existsSync(dest)) {
      // A download is renamed to `dest` only once verified: a run killed before it recorded the part left it
      // whole. Its CSV is made again from it (the gzip checked to its trailer on the way), not downloaded again.
      const scan = await scanPartFile(dest, plainPath, this.scanOptions(label)).catch(() => undefined)
      if (scan !== undefined) {
        await this.recordPart(window, {index, file, bytes: (await stat(dest)).size, csvFile, scan})
        this.context.log(`${label}: already downloaded and verified by an interrupted run.`)
        return
      }
      await rm(dest, {force: true})
    }
    const downloaded = await downloadPart(
      {jobId, index, total, links, dest},
      {clock: this.context.clock, sleep: this.sleep, log: this.context.log, retryPolicy: this.context.retryPolicy, beforeRetryWait: this.checkWait},
      () => new PartScanner(plainPath, this.scanOptions(label)),
    )
    await this.recordPart(window, {index, file, bytes: downloaded.bytes, csvFile, scan: downloaded.output})
    this.context.log(`${label}: downloaded ${formatBytes(downloaded.bytes)} (${formatBytes(downloaded.uncompressedBytes)} of CSV), verified.`)
  }

  /** Saves a verified part's scan beside its plain CSV and lists the part in the manifest. */
  private async recordPart(window: ManifestWindow, part: {index: number; file: string; bytes: number; csvFile: string; scan: PartScan}): Promise<void> {
    await saveScan(join(this.partsDir, part.csvFile), part.scan)
    this.scans.set(part.file, part.scan)
    const entry = {index: part.index, file: part.file, bytes: part.bytes, verified: true, csvFile: part.csvFile, csvBytes: part.scan.csvBytes}
    window.parts = [...window.parts.filter((known) => known.index !== part.index), entry].sort((a, b) => a.index - b.index)
    await this.store.save()
  }

  /**
   * A part's scan: from this run's download, else the one a previous run saved (when its plain CSV is intact),
   * else made again from the verified .csv.gz on disk, without downloading anything.
   */
  private async scanned(window: ManifestWindow, part: ManifestWindow['parts'][number]): Promise<ScannedPart> {
    const label = partLabel(window.jobId!, part.index, window.partCount ?? window.parts.length)
    const csvFile = plainFileName(part.file)
    const plainPath = join(this.partsDir, csvFile)
    const options = this.scanOptions(label)
    let scan = this.scans.get(part.file) ?? (await loadScan(plainPath, part.csvBytes, options))
    if (scan === undefined) {
      this.context.log(`${label}: making its CSV again from the verified download.`)
      await removePlain(plainPath)
      scan = await scanPartFile(join(this.partsDir, part.file), plainPath, options)
      await saveScan(plainPath, scan)
      part.csvFile = csvFile
      part.csvBytes = scan.csvBytes
      await this.store.save()
    }
    return {label, window: this.manifest.windows.indexOf(window), plainPath, scan}
  }

  private async merge(): Promise<ExportResult> {
    const entries = this.manifest.windows.flatMap((window) => window.parts.map((part) => ({window, part})))
    // Every part settles before a failure is reported (the first in part order), so no scan still writes
    // behind a stopped export.
    const settled = await Promise.allSettled(entries.map(({window, part}) => this.limit(() => this.scanned(window, part))))
    const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected')
    if (failed !== undefined) throw failed.reason
    const parts = settled.map((result) => (result as PromiseFulfilledResult<ScannedPart>).value)
    const csvPath = join(this.outDir, 'usage.csv')
    let merged: Awaited<ReturnType<typeof assembleParts>>
    try {
      merged = await assembleParts(parts, csvPath, USAGE_COLUMNS, async () => {
        const retired = await retireArtifacts(this.outDir)
        if (retired.length > 0) {
          this.context.log(`Removed the earlier report (${retired.length} file(s)): it described the usage.csv this export replaces.`)
        }
      })
    } catch (error) {
      throw await this.dropDamagedJob(error)
    }
    entries.forEach(({part}, i) => {
      part.rows = merged.partRows[i]
      delete part.csvFile
      delete part.csvBytes
    })
    for (const window of this.manifest.windows) window.rows = window.parts.reduce((sum, part) => sum + (part.rows ?? 0), 0)
    this.manifest.rows = merged.rows
    this.manifest.duplicatesDropped = merged.duplicatesDropped
    this.manifest.status = 'completed'
    this.manifest.merged = {
      range: {...this.manifest.range},
      orgId: this.manifest.orgId,
      sharedOrgIds: [...this.manifest.sharedOrgIds],
      rows: merged.rows,
      mergedAt: this.context.clock().toISOString(),
    }
    await this.store.save()
    // The plain CSVs are as large as usage.csv: they go even with --keep-parts (a rerun makes them
    // again from the .csv.gz).
    if (this.options.keepParts) await Promise.all(parts.map((part) => removePlain(part.plainPath)))
    else await rm(this.partsDir, {recursive: true, force: true})
    const result = completedResult(this.manifest, csvPath, this.store.path)
    if (result.empty) this.context.log('No usage in this range: wrote a CSV with the header only.')
    this.context.log(
      `Merged ${merged.rows.toLocaleString('en-US')} row(s) from ${parts.length} part(s) into usage.csv (${formatBytes(merged.bytes)}); ${merged.duplicatesDropped.toLocaleString('en-US')} duplicate row(s) across window boundaries dropped.`,
    )
    // runExport fills sharedPlan in: discovery happens before the manifest, outside this run.
    return {...result, bytes: merged.bytes, sharedPlan: null}
  }

  /**
   * A part whose content is refused (empty, not CSV, a ragged row, not UTF-8) verified as gzip: a rerun that
   * reused its job would meet the same bytes and fail the same way. So its window forgets the job and its files,
   * and the rerun the message advises creates a new job for that window only; other windows keep their verified
   * parts. Returns the error to throw, saying so once the manifest has been saved.
   */
  private async dropDamagedJob(error: unknown): Promise<unknown> {
    const index = error instanceof ApiError ? error.details?.refetchWindow : undefined
    if (typeof index !== 'number' || this.manifest.windows[index] === undefined) return error
    const window = this.manifest.windows[index]
    const described = this.describe(index)
    await Promise.all(
      window.parts.map(async (part) => {
        await rm(join(this.partsDir, part.file), {force: true})
        await removePlain(join(this.partsDir, plainFileName(part.file)))
      }),
    ).catch(() => undefined)
    delete window.jobId
    delete window.createdAt
    delete window.partCount
    delete window.rows
    window.state = 'new'
    window.parts = []
    try {
      await this.store.save()
    } catch {
      return error
    }
    const others = this.windows.length > 1 ? "; the other windows' downloads are kept" : ''
    const {code, message, details} = error as ApiError
    return new ApiError(code, `${message} The job was dropped from ${MANIFEST_FILE}: rerunning creates a new export job for ${described}${others}.`, details)
  }

  /** @param early the run stops before --timeout ran out, because a wait it would need passes it: the message must not claim it waited. */
  private throwTimeout(why?: string, early = false): never {
    const waiting = this.manifest.windows.filter((window) => window.jobId !== undefined && window.state !== 'completed')
    const created = this.manifest.windows.some((window) => window.jobId !== undefined)
    if (created && waiting.length === 0) {
      throw new TimeoutError(
        'E_EXPORT_TIMEOUT',
        `The export jobs completed, but their downloads did not finish within ${formatDuration(this.options.timeoutMs)}${why ? ` (${why})` : ''}; verified parts are kept. Resume with: ${resumeCommand(this.options)}`,
        {jobIds: []},
      )
    }
    const ids = waiting.map((window) => window.jobId).join(', ') || 'none created yet'
    const timeout = formatDuration(this.options.timeoutMs)
    const message = early
      ? `Export jobs cannot all complete within --timeout ${timeout}${why ? ` (${why})` : ''}, so the export stopped now instead of waiting; not completed yet: ${ids}. Resume with: ${resumeCommand(this.options)} (with a longer --timeout to wait it out)`
      : `Export jobs still not completed after ${timeout}${why ? ` (${why})` : ''}: ${ids}. Resume with: ${resumeCommand(this.options)}`
    throw new TimeoutError(
      'E_EXPORT_TIMEOUT',
      message,
      {jobIds: waiting.map((window) => window.jobId)},
    )
  }
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${bytes} B`
}

/**
 * Exports usage for a range: one job per window of at most 31 days, polled within the rate limits, parts
 * downloaded and verified, merged into `<outDir>/usage.csv`. Resumable through `<outDir>/export-manifest.json`.
 */
export async function runExport(options: ExportOptions, context: ExportContext): Promise<ExportResult> {
  registerSecret(options.token)
  if (options.orgId.trim() === '') {
    throw new BadInputError('E_NO_ORG', 'No organization id: pass --org-id or set CIRCLECI_ORG_ID.')
  }
  if (!(options.timeoutMs > 0)) throw new BadInputError('E_BAD_DURATION', '--timeout must be longer than zero.')
  const host = normalizeHost(options.host)
  validateRange(options.range, context.clock())
  const extraRanges = options.extraRanges ?? []
  for (const range of extraRanges) validateRange(range, context.clock())
  const windows = planWindows([options.range, ...extraRanges])
  const covered = coalesceRanges(windows)
  // The manifest's range is the span of all windows; its windows say exactly what was asked.
  const span = {start: windows[0].start, end: windows[windows.length - 1].end}
  // Before the manifest is planned: the ids found are part of the request, so a rerun that finds the same set
  // reuses the jobs, and one that finds another set does not reuse jobs that exported different organizations.
  const found = options.discoverSharedOrgs
    ? await discoverSharedOrgs({
        host,
        token: options.token,
        orgId: options.orgId,
        clock: context.clock,
        log: context.log,
        warn: context.warn ?? ((line) => context.log(`Warning: ${line}`)),
        sleep: context.sleep,
        retryPolicy: context.retryPolicy,
      })
    : null
  // Given twice, or the organization itself among its shared ones: asked once, as the set it is.
  options = {...options, sharedOrgIds: mergeSharedOrgIds(options.orgId, options.sharedOrgIds, found ?? [])}
  const outDir = resolve(options.outDir)
  const manifestPath = join(outDir, MANIFEST_FILE)
  const request = {host, orgId: options.orgId, sharedOrgIds: options.sharedOrgIds, range: span, windows, demo: options.demo === true}
  const sharedPlan = found ? {primaryOrgId: options.orgId, orgs: found} : null
  const previous = await readManifest(manifestPath)
  const csvPath = join(outDir, 'usage.csv')
  if (options.reuseCompleted && previous && completedExportCovers(previous, request, context.clock()) && existsSync(csvPath)) {
    context.log(
      `usage.csv already holds ${previous.range.start} .. ${previous.range.end} (what this run asks and more), exported today by job(s) ${previous.windows.map((window) => window.jobId).join(', ')}: reused, no new export job (another --out exports afresh).`,
    )
    return {...completedResult(previous, csvPath, manifestPath), bytes: (await stat(csvPath)).size, sharedPlan}
  }
  const {manifest, resumed} = planManifest(previous, request, context.clock())
  const ranges = covered.map((range) => `${formatInstant(range.start)} .. ${formatInstant(range.end)}`).join(', ')
  context.log(
    `Exporting usage of organization ${options.orgId}${options.sharedOrgIds.length > 0 ? ` (+${options.sharedOrgIds.length} shared)` : ''} for ${ranges} in ${windows.length} window(s)${resumed ? ', resuming the previous run' : ''}.`,
  )
  const store = new ManifestStore(manifestPath, manifest, context.clock)
  const result = await new ExportRun({...options, host}, context, store, windows, outDir).run()
  return {...result, sharedPlan}
}

/** What a completed manifest says its export holds, as the run that merged it returned it (bytes and plan aside). */
function completedResult(manifest: ExportManifest, csvPath: string, manifestPath: string): Omit<ExportResult, 'bytes' | 'sharedPlan'> {
  const rows = manifest.rows ?? 0
  return {
    csvPath,
    manifestPath,
    range: {...manifest.range},
    windows: manifest.windows.map((window) => ({
      start: window.start,
      end: window.end,
      jobId: window.jobId ?? '',
      state: window.state,
      parts: window.partCount ?? window.parts.length,
      rows: window.rows ?? 0,
      createdAt: window.createdAt,
    })),
    rows,
    duplicatesDropped: manifest.duplicatesDropped ?? 0,
    empty: rows === 0 && manifest.windows.every((window) => window.partCount === 0),
  }
}
