import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {forgetSecrets} from '../../src/core/secrets.js'
import {runExport, type ExportOptions, type ExportResult} from '../../src/export/index.js'
import {RecordSplitter, type RecordVisitor} from '../../src/export/records.js'
import {startSimulator, type Simulator, type SimulatorOptions} from '../../src/simulator/index.js'

/** A clock that sleeps instantly: the simulator and the client share it, so minutes of polling take no time. */
export function fakeTime(iso: string) {
  let now = Date.parse(iso)
  return {
    clock: () => new Date(now),
    sleep: async (ms: number) => {
      now += Math.max(0, ms)
    },
    slept: () => now - Date.parse(iso),
  }
}

export interface Harness {
  sim: Simulator
  time: ReturnType<typeof fakeTime>
  out: string
  logs: string[]
  orgId: string
  options(overrides?: Partial<ExportOptions>): ExportOptions
  run(overrides?: Partial<ExportOptions>): Promise<ExportResult>
  close(): Promise<void>
}

export async function harness(simOptions: SimulatorOptions = {}, nowIso = '2024-11-20T10:00:00Z'): Promise<Harness> {
  const time = fakeTime(nowIso)
  const sim = await startSimulator({clock: time.clock, ...simOptions})
  const out = await mkdtemp(join(tmpdir(), 'cci-export-'))
  const logs: string[] = []
  const orgId = sim.datasetOrgIds[0]
  const options = (overrides: Partial<ExportOptions> = {}): ExportOptions => ({
    host: sim.apiUrl,
    token: sim.token,
    orgId,
    sharedOrgIds: [],
    range: {start: new Date('2024-11-10T00:00:00Z'), end: new Date('2024-11-17T00:00:00Z')},
    outDir: out,
    timeoutMs: 30 * 60_000,
    ...overrides,
  })
  return {
    sim,
    time,
    out,
    logs,
    orgId,
    options,
    run: (overrides) => runExport(options(overrides), {clock: time.clock, sleep: time.sleep, log: (line) => logs.push(line)}),
    async close() {
      await sim.close()
      await rm(out, {recursive: true, force: true})
      forgetSecrets()
    },
  }
}

export function columnIndex(header: readonly string[], name: string): number {
  const index = header.findIndex((column) => column.toUpperCase() === name)
  if (index === -1) throw new Error(`no ${name} column`)
  return index
}

/** Data lines of a CSV in the real dialect (unquoted, LF). */
export async function csvLines(path: string): Promise<{header: string[]; rows: string[]}> {
  const [header, ...rows] = (await readFile(path, 'utf8')).split('\n').filter((line) => line !== '')
  return {header: header.split(','), rows}
}

export function sumColumn(rows: readonly string[], index: number): number {
  return rows.reduce((sum, row) => sum + Number(row.split(',')[index]), 0)
}

/** The rows the API serves for these windows, de-duplicated on JOB_ID: what usage.csv must hold exactly. */
export function expectedExport(sim: Simulator, orgIds: string[], windows: {start: Date; end: Date}[]) {
  const jobId = columnIndex(sim.header, 'JOB_ID')
  const seen = new Set<string>()
  const rows: string[] = []
  let served = 0
  for (const window of windows) {
    for (const row of sim.expectedRows(orgIds, window.start, window.end)) {
      served++
      const id = row.split(',')[jobId]
      if (seen.has(id)) continue
      seen.add(id)
      rows.push(row)
    }
  }
  return {rows, duplicates: served - rows.length}
}

/** Nothing the user or an artifact can see may hold the token or a download link. */
export async function assertNoSecrets(h: Harness, extra: string[] = []): Promise<void> {
  const manifest = await readFile(join(h.out, 'export-manifest.json'), 'utf8').catch(() => '')
  for (const text of [...h.logs, manifest, ...extra]) {
    if (text.includes(h.sim.token)) throw new Error(`token leaked into: ${text.slice(0, 200)}`)
    if (text.includes(h.sim.downloadOrigin) || /x-amz-/i.test(text)) throw new Error(`download URL leaked into: ${text.slice(0, 200)}`)
  }
}

export function assertNoCredentialToDownloads(sim: Simulator): void {
  const downloads = sim.requests.filter((request) => request.server === 'download')
  if (downloads.length === 0) throw new Error('no download request was made')
  const leaking = downloads.filter((request) => request.hadCircleToken || request.hadAuthorization)
  if (leaking.length > 0) throw new Error(`${leaking.length} download request(s) carried a credential`)
}

/**
 * Feeds `text` to a RecordSplitter in chunks of `chunkSize` bytes, to prove records survive any chunk boundary, and
 * returns what `read` makes of each record.
 */
export function splitInChunks<T>(text: string, chunkSize: number, read: (...record: Parameters<RecordVisitor['record']>) => T): T[] {
  const records: T[] = []
  const splitter = new RecordSplitter({
    record(...record) {
      records.push(read(...record))
    },
  })
  const bytes = Buffer.from(text)
  for (let i = 0; i < bytes.length; i += chunkSize) splitter.push(bytes.subarray(i, i + chunkSize))
  splitter.end()
  return records
}
