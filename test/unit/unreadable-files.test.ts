/** --teams and --budgets files that cannot be read: the message names the reason in words and the fix for it. */
import {mkdtempSync, mkdirSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {loadTeamRules} from '../../src/analysis/teams.js'
import {InputFileError} from '../../src/core/errors.js'
import {unreadableFileError} from '../../src/core/read-errors.js'
import {loadBudgets} from '../../src/history/budgets.js'

const dir = mkdtempSync(join(tmpdir(), 'cci-usage-unreadable-'))
const folder = join(dir, 'teams.yml')
mkdirSync(folder)

async function failure(promise: Promise<unknown>): Promise<InputFileError> {
  const error = await promise.then(() => undefined, (thrown: unknown) => thrown)
  expect(error).toBeInstanceOf(InputFileError)
  return error as InputFileError
}

describe('a --teams or --budgets file that cannot be read', () => {
  it('missing: "does not exist", no errno code, exit 2', async () => {
    const error = await failure(loadTeamRules(join(dir, 'nope.yml')))
    expect(error.exitCode).toBe(2)
    expect(error.message).toBe(`Teams file ${join(dir, 'nope.yml')} does not exist: check the --teams path.`)
    const budgets = await failure(loadBudgets(join(dir, 'nope.yml'), {creditPrice: null, hasTeams: false}))
    expect(budgets.message).toBe(`Budgets file ${join(dir, 'nope.yml')} does not exist: check the --budgets path.`)
  })

  it('a folder: says so', async () => {
    const error = await failure(loadTeamRules(folder))
    expect(error.message).toBe(`Teams file ${folder} is a folder: give --teams the file itself.`)
    expect(error.message).not.toContain('EISDIR')
  })

  // Root reads any file whatever its mode, so the permission case is checked on the error itself.
  it('no permission: names the permission, not the path, as the thing to fix', () => {
    const denied = Object.assign(new Error('EACCES: permission denied'), {code: 'EACCES'})
    const error = unreadableFileError('E_TEAMS_MISSING', 'Teams file', '/etc/teams.yml', '--teams', denied)
    expect(error.exitCode).toBe(2)
    expect(error.message).toMatch(/^Teams file \/etc\/teams\.yml cannot be read \(permission denied\): make it readable/)
    expect(error.message).not.toContain('check the --teams path')
  })
})
