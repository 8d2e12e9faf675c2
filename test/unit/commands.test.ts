/**
 * The commands in-process through @oclif/test (the built CLI in dist/, as oclif loads it): one-line errors with
 * their exit codes and the typed --json result, without spawning a process per case.
 */
import {mkdtemp, readdir, rm} from 'node:fs/promises'
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

  // Before: `--out ""` meant the current folder (export wrote usage.csv there; report and run ended in exit 1,
  // EEXIST), `run --history ""` exported and then failed with exit 1 (mkdir ''), `report --teams ""` dropped the teams.
  // `--flag ''` is oclif's "expects a value"; `--flag=` (a variable that expanded to nothing) reaches the command.
  it.each([
    ['out', ['report', '--input', 'no-such-export.csv', '--out=']],
    ['teams', ['report', '--input', GOLDEN, '--out', '<out>', '--teams=']],
    ['history', ['run', '--demo', '--days', '1', '--out', '<out>', '--history= ']],
    ['summary', ['notify', '--dry-run', '--out', '<out>', '--summary=']],
    ['input', ['load', '--input=', '--to', 'parquet:<out>/lake']],
  ])('refuses an empty --%s before doing anything', async (flag, args) => {
    const out = await mkdtemp(join(tmpdir(), 'cci-usage-commands-'))
    const {error, stderr} = await runCommand(args.map((arg) => arg.replace('<out>', out)), {root: REPO_ROOT})
    const written = await readdir(out)
    await rm(out, {recursive: true, force: true})
    expect(error?.oclif?.exit).toBe(2)
    expect(stderr.trim()).toMatch(new RegExp(`^Error: --${flag} is empty: give an? [a-z. ]+, or leave the flag out\\.$`))
    expect(written).toEqual([])
  })

  // Before: the empty token was sent; with no server there, exit 4 after the retries ("could not create export job").
  it('says an empty --token is a missing token (exit 3), before any request', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cci-usage-commands-'))
    const {error, stderr} = await runCommand(['export', '--org-id', 'org', '--token=', '--host', 'http://127.0.0.1:9', '--days', '1', '--out', out], {root: REPO_ROOT})
    const written = await readdir(out)
    await rm(out, {recursive: true, force: true})
    expect(error?.oclif?.exit).toBe(3)
    expect(stderr.trim()).toBe('Error: --token is empty: pass the token, or leave --token out and set CIRCLECI_API_TOKEN; try --demo to run without one.')
    expect(written).toEqual([])
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
