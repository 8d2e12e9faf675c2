import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'

import {EXPORT_COLUMNS} from '../../src/analysis/columns.js'

export const NULL = '\\\\N'
export const HEADER = EXPORT_COLUMNS.map(([name]) => name)

export type Row = Partial<Record<string, string | number>>

/** A job row with sensible defaults; override any column by its UPPER_CASE name. */
export function job(overrides: Row): Row {
  return {
    ORGANIZATION_ID: 'org-1',
    ORGANIZATION_NAME: 'acme',
    PROJECT_NAME: 'api',
    VCS_BRANCH: 'main',
    WORKFLOW_NAME: 'ci',
    JOB_NAME: 'build',
    JOB_RUN_DATE: '2024-11-12',
    JOB_BUILD_STATUS: 'success',
    RESOURCE_CLASS: 'medium',
    EXECUTOR: 'docker',
    JOB_RUN_SECONDS: 60,
    COMPUTE_CREDITS: 10,
    TOTAL_CREDITS: 10,
    ...overrides,
  }
}

/** The export dialect: unquoted, LF, `\\N` for every column not given. */
export function exportCsv(rows: Row[], header: string[] = HEADER): string {
  const lines = [header.join(',')]
  for (const row of rows) lines.push(header.map((name) => (row[name.toUpperCase()] === undefined ? NULL : String(row[name.toUpperCase()]))).join(','))
  return lines.join('\n') + '\n'
}

const createdDirs: string[] = []

// Registered by every test file that imports this module: its temp folders go when the file is done.
afterAll(() => {
  for (const dir of createdDirs.splice(0)) rmSync(dir, {recursive: true, force: true})
})

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cci-usage-report-test-'))
  createdDirs.push(dir)
  return dir
}

export function writeFixture(dir: string, name: string, content: string | Buffer, gzip = false): string {
  const path = join(dir, name)
  writeFileSync(path, gzip ? gzipSync(content) : content)
  return path
}

