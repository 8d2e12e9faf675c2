import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {FileSystemError} from '../../src/core/errors.js'
import {withLakeWork} from '../../src/load/lake.js'

/** A lake folder the user cannot use is theirs to fix: exit 2 naming the path and the flag, never "unexpected" (exit 1). */
describe('withLakeWork: a target folder that cannot be made', () => {
  let root: string
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'cci-lake-folder-'))
    await writeFile(join(root, 'usage.csv'), 'not a folder\n')
  })
  afterAll(async () => {
    await rm(root, {recursive: true, force: true})
  })

  it.each([['the target itself is a file', 'usage.csv'], ['a parent is a file', 'usage.csv/lake']])('%s: FileSystemError, exit 2, advice names --to', async (_what, relative) => {
    const target = join(root, relative)
    let written = false
    const error = await withLakeWork(target, async () => {
      written = true
    }, () => undefined).catch((caught: unknown) => caught)
    expect(written).toBe(false)
    expect(error).toBeInstanceOf(FileSystemError)
    expect(error).toMatchObject({exitCode: 2})
    expect((error as Error).message).toContain(target)
    expect((error as Error).message).toContain('a file is in the way of a folder')
    expect((error as Error).message).toContain('--to')
    expect((error as Error).message).not.toContain('--out')
  })
})
