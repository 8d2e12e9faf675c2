import {existsSync, readdirSync, statSync} from 'node:fs'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {BadInputError, FileSystemError} from '../../src/core/errors.js'
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
    const {written, error} = await attemptLakeWork(target)
    expect(written).toBe(false)
    expect(error).toBeInstanceOf(FileSystemError)
    expect(error).toMatchObject({exitCode: 2})
    expect((error as Error).message).toContain(target)
    expect((error as Error).message).toContain('a file is in the way of a folder')
    expect((error as Error).message).toContain('--to')
    expect((error as Error).message).not.toContain('--out')
  })
})

// /dev/shm is a tmpfs mounted on /dev on Linux hosts and in containers: a folder whose parent is another file system,
// as a lake mounted into a container (-v "$PWD/lake:/lake") is.
const MOUNT_POINT = '/dev/shm'
const isMountPoint = existsSync(MOUNT_POINT) && statSync(MOUNT_POINT).dev !== statSync('/dev').dev
if (!isMountPoint) console.log(`Skipping the mount point case: ${MOUNT_POINT} is not a mount point here.`)
const onMountPoint = isMountPoint ? it : it.skip

describe('withLakeWork: a target folder that is a mount point', () => {
  onMountPoint('refuses it before writing anything (exit 2), saying to name a folder inside it', async () => {
    const before = new Set(readdirSync(MOUNT_POINT))
    const {written, error} = await attemptLakeWork(MOUNT_POINT)
    expect(written).toBe(false)
    expect(error).toBeInstanceOf(BadInputError)
    expect(error).toMatchObject({code: 'E_TARGET_MOUNT_POINT', exitCode: 2})
    expect((error as Error).message).toContain(`${MOUNT_POINT} is a mount point`)
    expect((error as Error).message).toContain(`such as ${MOUNT_POINT}/lake`)
    // No lock file nor work folder made, in the mount or beside it.
    expect(readdirSync(MOUNT_POINT).filter((name) => !before.has(name))).toEqual([])
    expect(readdirSync('/dev').filter((name) => name.includes('cci-usage'))).toEqual([])
  })
})

/** withLakeWork on `target`: whether its writer ran, and what it threw. */
async function attemptLakeWork(target: string): Promise<{written: boolean; error: unknown}> {
  let written = false
  const error = await withLakeWork(target, async () => {
    written = true
  }, () => undefined).catch((caught: unknown) => caught)
  return {written, error}
}
