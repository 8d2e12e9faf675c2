/**
 * The commands in-process through @oclif/test (the built CLI in dist/, as oclif loads it): one-line errors with
 * their exit codes and the typed --json result, without spawning a process per case.
 */
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {runCommand} from '@oclif/test'

import {GOLDEN_EXPORT as GOLDEN, haveGoldenExport, REPO_ROOT} from '../helpers/repo.js'

describe('commands (in-process)', () => {
  it('says to run report first when notify finds no summary.json', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cci-usage-commands-'))
    const {error, stderr} = await runCommand(['notify', '--out', out, '--dry-run'], {root: REPO_ROOT})
    await rm(out, {recursive: true, force: true})
    expect(error?.oclif?.exit).toBe(2)
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toContain('run `cci-usage report` first')
  })

  it('rejects --days together with --start before doing anything', async () => {
    const {error, stderr} = await runCommand(['export', '--demo', '--days', '3', '--start', '2024-01-01'], {root: REPO_ROOT})
    expect(error?.oclif?.exit).toBe(2)
    expect(stderr.trim()).toBe('Error: --days cannot be combined with --start/--end; use one or the other.')
  })

  const golden = haveGoldenExport('the in-process report test') ? it : it.skip
  golden('returns the Summary from report --json with the real export figures', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cci-usage-commands-'))
    const {result} = await runCommand<{totals: {credits: {total: number}; rows: number}; breakdowns: {project: {key: string; credits: number}[]}}>(
      ['report', '--input', GOLDEN, '--out', out, '--json'],
      {root: REPO_ROOT},
    )
    expect(result?.totals.rows).toBe(1260)
    expect(result?.totals.credits.total).toBe(532406)
    expect(result?.breakdowns.project[0]).toMatchObject({key: 'determined', credits: 367190})
    await rm(out, {recursive: true, force: true})
  })
})
