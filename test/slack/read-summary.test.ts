import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {InputFileError} from '../../src/core/errors.js'
import {readSummaryFile} from '../../src/slack/read-summary.js'

/** notify's one line for a summary.json it cannot use: a newer (or older) release's file is named as such. */
describe('readSummaryFile', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cci-read-summary-'))
  })
  afterAll(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  const failure = async (content: unknown) => {
    const path = join(dir, 'summary.json')
    await writeFile(path, JSON.stringify(content))
    return readSummaryFile(path).then(
      () => undefined,
      (error: unknown) => error as InputFileError,
    )
  }

  it('says a summary of another schema version was written by another cci-usage release, and how to go on', async () => {
    const error = await failure({schemaVersion: 2, tool: {name: 'cci-usage', version: '0.9.0'}, window: {}})
    expect(error).toBeInstanceOf(InputFileError)
    expect(error).toMatchObject({exitCode: 2})
    expect(error!.message).toMatch(/summary\.json was written by another version of cci-usage \(cci-usage 0\.9\.0, schemaVersion 2; this one reads schemaVersion 1\): make it again with this version's `cci-usage report`/)
    expect(error!.message).not.toContain('is not a cci-usage summary')
  })

  it('still calls a file without a schema version not a summary', async () => {
    const error = await failure({foo: 1})
    expect(error!.message).toContain('is not a cci-usage summary (schemaVersion missing, expected 1)')
  })
})
