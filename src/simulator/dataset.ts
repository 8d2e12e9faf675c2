import {readFile} from 'node:fs/promises'
import {gunzipSync} from 'node:zlib'

import {CSV_NULL} from '../core/usage-columns.js'
import {recordFields, RecordSplitter} from '../export/records.js'
import {generateDemoData, parseExportTimestamp} from './demo-data.js'

/** One served row: its exact text and what the API filters it by. */
export interface DatasetRow {
  line: string
  orgId: string
  /** JOB_RUN_STARTED_AT, or JOB_RUN_DATE at 00:00 when that is null, in epoch ms (NaN: never selected). */
  runAtMs: number
}

export interface Dataset {
  /** The header line exactly as served. */
  headerLine: string
  header: string[]
  rows: DatasetRow[]
  orgIds: string[]
}

export function demoDataset(options: {seed: number; now: Date; rowsPerDay: number}): Dataset {
  const demo = generateDemoData(options)
  return {
    headerLine: demo.header.join(','),
    header: demo.header,
    rows: demo.rows.map((row) => ({line: row.values.join(','), orgId: row.orgId, runAtMs: row.runAtMs})),
    // The primary org first, so callers that need one org to export pick the one the others share a plan with.
    orgIds: [demo.primaryOrgId, ...demo.orgIds.filter((id) => id !== demo.primaryOrgId)],
  }
}

/**
 * Reads an export in the real dialect (gzip detected by its magic bytes) and keeps each record's bytes verbatim.
 * Records are split as every reader here splits them (RecordSplitter): a name's escaped comma or line break is
 * part of its field, so the columns after it are found where they are.
 */
export async function fileDataset(file: string): Promise<Dataset> {
  const raw = await readFile(file)
  const bytes = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw
  const records: Array<{line: string; fields: string[]}> = []
  const splitter = new RecordSplitter({
    record(buf, start, contentEnd, next, separators, fieldCount) {
      // The line as served: without its LF, with a CR if it had one.
      const line = buf.toString('utf8', start, buf[next - 1] === 0x0a ? next - 1 : next)
      records.push({line, fields: recordFields(buf, start, contentEnd, separators, fieldCount)})
    },
  })
  splitter.push(bytes)
  splitter.end()
  const first = records.shift()
  if (first === undefined) throw new Error(`simulator dataset ${file} is empty: it needs a header line`)
  const headerLine = first.line
  const header = first.fields
  const column = (name: string): number => {
    const index = header.findIndex((h) => h.trim().toUpperCase() === name)
    if (index < 0) throw new Error(`simulator dataset ${file} has no ${name} column`)
    return index
  }
  const orgColumn = column('ORGANIZATION_ID')
  const startedColumn = column('JOB_RUN_STARTED_AT')
  const dateColumn = column('JOB_RUN_DATE')
  const rows = records.map(({line, fields}) => {
    const started = fields[startedColumn]
    const runAtMs = started && started !== CSV_NULL
      ? parseExportTimestamp(started)
      : Date.parse(`${fields[dateColumn]}T00:00:00Z`)
    return {line, orgId: fields[orgColumn], runAtMs}
  })
  return {headerLine, header, rows, orgIds: [...new Set(rows.map((r) => r.orgId))]}
}

/** The API's selection: rows of the given orgs whose run time is within [start, end], both ends inclusive. */
export function selectRows(dataset: Dataset, orgIds: readonly string[], startMs: number, endMs: number): DatasetRow[] {
  const orgs = new Set(orgIds)
  return dataset.rows.filter((row) => orgs.has(row.orgId) && row.runAtMs >= startMs && row.runAtMs <= endMs)
}

