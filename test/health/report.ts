import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {buildReportSummary} from '../../src/analysis/index.js'
import type {ReportFilters} from '../../src/analysis/scope.js'
import type {Summary} from '../../src/analysis/summary.js'
import {fullReportHooks, type HealthHookOptions} from '../../src/report/hooks.js'
import {row, writeRowsCsv, type RowValues} from '../savings/view.js'

export const CLOCK = () => new Date('2024-11-20T00:00:00Z')

/**
 * The report's own path on synthetic rows: the one scan with the health columns, then the enrich hook (savings
 * and health), exactly as `report` runs it.
 */
export async function reportOfRows(rows: RowValues[], health: HealthHookOptions = {}, filters: ReportFilters = {}): Promise<Summary> {
  const dir = await mkdtemp(join(tmpdir(), 'cci-usage-health-'))
  try {
    const csv = join(dir, 'usage.csv')
    await writeRowsCsv(csv, rows)
    const {enrich, extraRowColumns} = fullReportHooks(10, health)
    const {summary} = await buildReportSummary({inputs: [csv], top: 10, filters, tempDir: dir, enrich, extraRowColumns}, CLOCK)
    return summary
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
}

/** `2024-11-11 10:00:00.000` plus `seconds`, the export's timestamp format. */
export function at(seconds: number, day = '2024-11-11'): string {
  return new Date(Date.parse(`${day}T10:00:00Z`) + seconds * 1000).toISOString().slice(0, 23).replace('T', ' ')
}

/** A job run of the health tests: pipeline, workflow and times set, everything else from row(). */
export function run(values: Parameters<typeof row>[0]) {
  return row({
    PIPELINE_NUMBER: 1,
    WORKFLOW_ID: 'w-1',
    PIPELINE_TRIGGER_SOURCE: 'webhook',
    VCS_BRANCH: 'main',
    IS_WORKFLOW_SUCCESSFUL: 'true',
    WORKFLOW_FIRST_JOB_QUEUED_AT: at(0),
    WORKFLOW_STOPPED_AT: at(600),
    ...values,
  })
}
