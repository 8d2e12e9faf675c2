/**
 * Issue 10 item 3: when a newer export of another range into the same folder does not finish, usage.csv still
 * holds the earlier range; the manifest records which, and `report` says so (exit 0: the numbers are right for
 * the range they cover, now labelled).
 */
import {readdir, readFile, writeFile} from 'node:fs/promises'
import {hostname} from 'node:os'
import {join} from 'node:path'

import {ARTIFACT_LIST} from '../../src/core/artifact-set.js'
import {LOCK_FILE} from '../../src/core/folder-lock.js'
import {runExport} from '../../src/export/index.js'
import type {ExportManifest} from '../../src/export/manifest.js'
import {generateReport} from '../../src/report/index.js'
import {startSimulator} from '../../src/simulator/index.js'
import {isBuilt, runCli} from '../helpers/cli.js'
import {harness, type Harness} from './helpers.js'

const RANGE_A = {start: new Date('2024-11-10T00:00:00Z'), end: new Date('2024-11-17T00:00:00Z')}
const RANGE_B = {start: new Date('2024-11-12T00:00:00Z'), end: new Date('2024-11-19T00:00:00Z')}

let h: Harness
afterEach(async () => h?.close())

async function manifestOf(out: string): Promise<ExportManifest> {
  return JSON.parse(await readFile(join(out, 'export-manifest.json'), 'utf8')) as ExportManifest
}

/** Exports range A into h.out, then tries range B there against a simulator whose jobs fail. */
async function failedNewerExport(fault: 'job-failed' | 'never-complete'): Promise<void> {
  h = await harness()
  const first = await h.run({range: RANGE_A})
  const failing = await startSimulator({clock: h.time.clock, faults: [{type: fault}]})
  try {
    await expect(
      runExport(
        {...h.options({range: RANGE_B}), host: failing.apiUrl, token: failing.token, timeoutMs: 60_000},
        {clock: h.time.clock, sleep: h.time.sleep, log: () => undefined},
      ),
    ).rejects.toThrow()
  } finally {
    await failing.close()
  }
  expect(first.rows).toBeGreaterThan(0)
}

describe('export-manifest.json records what usage.csv holds', () => {
  it('keeps the merged range when a newer export of another range fails, with the reason', async () => {
    await failedNewerExport('job-failed')
    const manifest = await manifestOf(h.out)
    expect(manifest.status).toBe('failed')
    expect(manifest.range).toEqual({start: RANGE_B.start.toISOString(), end: RANGE_B.end.toISOString()})
    expect(manifest.merged?.range).toEqual({start: RANGE_A.start.toISOString(), end: RANGE_A.end.toISOString()})
    expect(manifest.failure).toMatch(/^Export job .* failed/)
  })

  it('report says in one line that usage.csv holds range A and the export of B did not finish, and records it', async () => {
    await failedNewerExport('never-complete')
    const warned: string[] = []
    const {summary} = await generateReport(
      {inputs: [join(h.out, 'usage.csv')], outDir: join(h.out, 'report')},
      {clock: h.time.clock, warn: (line) => warned.push(line)},
    )
    expect(warned).toHaveLength(1)
    expect(warned[0]).toMatch(
      new RegExp(
        `^${join(h.out, 'usage.csv')} holds 2024-11-10T00:00:00Z \\.\\. 2024-11-17T00:00:00Z \\(merged .*\\); the newer export of 2024-11-12T00:00:00Z \\.\\. 2024-11-19T00:00:00Z timed out and did not replace it, so this report covers the earlier range\\. Finish the newer one with: cci-usage export --org-id \\S+ --start 2024-11-12T00:00:00Z --end 2024-11-19T00:00:00Z --out ${h.out} --host http://127\\.0\\.0\\.1:\\d+$`,
      ),
    )
    expect(warned[0]).not.toContain('\n')
    expect(summary.input.warnings).toEqual(warned)
    // The numbers are those of range A, unchanged.
    expect(summary.window.start).toBe('2024-11-10T00:00:00.000Z')
  })

  it('says nothing when the last export finished, or when a rerun of the same range stopped', async () => {
    h = await harness()
    await h.run({range: RANGE_A})
    const report = () => generateReport({inputs: [join(h.out, 'usage.csv')], outDir: join(h.out, 'report')}, {clock: h.time.clock})
    expect((await report()).summary.input.warnings).toBeUndefined()
    const manifest = await manifestOf(h.out)
    await writeFile(join(h.out, 'export-manifest.json'), JSON.stringify({...manifest, status: 'failed', failure: 'boom'}))
    expect((await report()).summary.input.warnings).toBeUndefined()
  })

  it('treats a `running` manifest whose folder is not locked as interrupted, and a locked one as running now', async () => {
    await failedNewerExport('job-failed')
    const manifest = await manifestOf(h.out)
    await writeFile(join(h.out, 'export-manifest.json'), JSON.stringify({...manifest, status: 'running'}))
    const report = async () => {
      const warned: string[] = []
      await generateReport({inputs: [h.out], outDir: join(h.out, 'report')}, {clock: h.time.clock, warn: (line) => warned.push(line)})
      return warned
    }
    expect((await report())[0]).toContain('2024-11-19T00:00:00Z was interrupted and did not replace it')
    // A live process (this test's parent, started before the lock) holding the folder: the export is running.
    const lock = {pid: process.ppid, hostname: hostname(), command: 'export', startedAt: new Date().toISOString(), nonce: 'n'}
    await writeFile(join(h.out, LOCK_FILE), JSON.stringify(lock))
    expect((await report())[0]).toContain(`an export of 2024-11-12T00:00:00Z .. 2024-11-19T00:00:00Z into that folder is running now (pid ${process.ppid}, \`cci-usage export\``)
  })

  const cli = isBuilt('report') ? it : it.skip
  cli('the report CLI on that folder warns on stderr and exits 0', async () => {
    await failedNewerExport('job-failed')
    const {code, stderr} = await runCli(['report', '--out', h.out, '--format', 'json'])
    expect(code).toBe(0)
    const warnings = stderr.split('\n').filter((line) => line.startsWith('Warning:'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('holds 2024-11-10T00:00:00Z .. 2024-11-17T00:00:00Z')
    expect(warnings[0]).toContain('failed (Export job')
    const summary = JSON.parse(await readFile(join(h.out, 'summary.json'), 'utf8'))
    expect(summary.input.warnings).toEqual([warnings[0].replace(/^Warning: /, '')])
  })

  it('a new usage.csv removes the report of the previous one, so the folder never holds the two', async () => {
    h = await harness()
    await h.run({range: RANGE_A})
    await generateReport({inputs: [join(h.out, 'usage.csv')], outDir: h.out}, {clock: h.time.clock})
    const reportFiles = JSON.parse(await readFile(join(h.out, ARTIFACT_LIST), 'utf8')).files as string[]
    expect(reportFiles).toContain('summary.json')
    await h.run({range: RANGE_B})
    const left = await readdir(h.out)
    for (const file of reportFiles) expect(left).not.toContain(file.split('/')[0])
    expect(left).toEqual(expect.arrayContaining(['usage.csv', 'export-manifest.json']))
    expect(JSON.parse(await readFile(join(h.out, ARTIFACT_LIST), 'utf8')).files).toEqual([])
    expect(h.logs.some((line) => /^Removed the earlier report \(\d+ file\(s\)\)/.test(line))).toBe(true)
  })

  it('a failed newer export leaves the report of the usage.csv it did not replace', async () => {
    await failedNewerExport('job-failed')
    // failedNewerExport reported nothing; a report of range A, then the failed export of B again.
    await generateReport({inputs: [join(h.out, 'usage.csv')], outDir: h.out}, {clock: h.time.clock})
    const failing = await startSimulator({clock: h.time.clock, faults: [{type: 'job-failed'}]})
    try {
      await expect(
        runExport({...h.options({range: RANGE_B}), host: failing.apiUrl, token: failing.token, timeoutMs: 60_000}, {clock: h.time.clock, sleep: h.time.sleep, log: () => undefined}),
      ).rejects.toThrow()
    } finally {
      await failing.close()
    }
    expect(await readdir(h.out)).toContain('summary.json')
  })
})
