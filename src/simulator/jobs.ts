import {randomUUID} from 'node:crypto'
import {Readable} from 'node:stream'
import {buffer} from 'node:stream/consumers'
import {createGzip} from 'node:zlib'

import type {Dataset} from './dataset.js'
import type {FaultBook} from './faults.js'

export type JobState = 'created' | 'processing' | 'completed' | 'failed'

type Outcome =
  | {kind: 'completed'}
  | {kind: 'no-urls'}
  | {kind: 'failed'; errorReason: string}
  | {kind: 'never-complete'}

export interface ExportJob {
  id: string
  orgId: string
  start: string
  end: string
  lines: string[]
  polls: number
  outcome: Outcome
  /** Data faults decided when the job was created: which part (if any) gets a wrong header or a ragged row. */
  headerMismatchPart?: number
  raggedRowPart?: number
}

/**
 * Export jobs and their state machine: each GET advances a job through `created`, `processing` (pendingPolls
 * GETs in all) to its outcome. Part bodies are gzipped once, on first download, and cached.
 */
export function createJobStore(options: {dataset: Dataset; parts: number; pendingPolls: number; faults: FaultBook}) {
  const {dataset, parts, pendingPolls, faults} = options
  const jobs = new Map<string, ExportJob>()
  const gzipCache = new Map<string, Promise<Buffer>>()

  function stateOf(job: ExportJob): JobState {
    if (job.polls <= 1) return 'created'
    if (job.polls <= pendingPolls || job.outcome.kind === 'never-complete') return 'processing'
    return job.outcome.kind === 'failed' ? 'failed' : 'completed'
  }

  function partLines(job: ExportJob, part: number): string[] {
    const from = Math.floor((part * job.lines.length) / parts)
    const to = Math.floor(((part + 1) * job.lines.length) / parts)
    return job.lines.slice(from, to)
  }

  function partText(job: ExportJob, part: number): Iterable<string> {
    let header = dataset.headerLine
    if (job.headerMismatchPart === part) {
      // A column the other parts do not have, in place of the last one: a merge must refuse this part.
      const columns = header.split(',')
      columns[columns.length - 1] = 'GPU_CREDITS'
      header = columns.join(',')
    }
    const lines = partLines(job, part)
    if (job.raggedRowPart === part && lines.length > 0) {
      lines[0] = lines[0].slice(0, lines[0].lastIndexOf(','))
    }
    return (function* () {
      yield `${header}\n`
      // Chunked so a multi-GB part never becomes one giant string.
      for (let i = 0; i < lines.length; i += 2000) yield `${lines.slice(i, i + 2000).join('\n')}\n`
    })()
  }

  return {
    create(orgId: string, selectedLines: string[], start: string, end: string): ExportJob {
      const failed = faults.take('job-failed')
      const outcome: Outcome = failed
        ? {kind: 'failed', errorReason: failed.errorReason ?? 'An internal error occurred while generating the export.'}
        : faults.take('never-complete') ? {kind: 'never-complete'}
        // The real API completes a job with no usage without any download URL.
        : faults.take('no-urls') || selectedLines.length === 0 ? {kind: 'no-urls'}
        : {kind: 'completed'}
      const headerMismatch = faults.take('header-mismatch')
      const raggedRow = faults.take('ragged-row')
      const job: ExportJob = {id: randomUUID(), orgId, start, end, lines: selectedLines, polls: 0, outcome,
        headerMismatchPart: headerMismatch ? headerMismatch.part ?? 0 : undefined,
        raggedRowPart: raggedRow ? raggedRow.part ?? 0 : undefined}
      jobs.set(job.id, job)
      return job
    },
    find(orgId: string, id: string): ExportJob | undefined {
      const job = jobs.get(id)
      return job && job.orgId === orgId ? job : undefined
    },
    byId(id: string): ExportJob | undefined {
      return jobs.get(id)
    },
    /** Records one GET of the job and returns the state that GET reports. */
    poll(job: ExportJob): JobState {
      job.polls++
      return stateOf(job)
    },
    stateOf,
    partCount: parts,
    hasUrls(job: ExportJob): boolean {
      return job.outcome.kind === 'completed'
    },
    partGzip(job: ExportJob, part: number): Promise<Buffer> {
      const key = `${job.id}/${part}`
      let cached = gzipCache.get(key)
      if (!cached) {
        cached = buffer(Readable.from(partText(job, part)).pipe(createGzip()))
        gzipCache.set(key, cached)
      }
      return cached
    },
    all(): ExportJob[] {
      return [...jobs.values()]
    },
  }
}

export type JobStore = ReturnType<typeof createJobStore>
