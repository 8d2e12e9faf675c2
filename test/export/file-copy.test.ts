/**
 * Appending the plain CSVs to usage.csv (issue 15): whole files through `cat` (copy_file_range in the kernel),
 * ranges and whatever cat does not finish by this process. The bytes are the same whichever way they went.
 */
import {chmodSync, mkdirSync, writeFileSync} from 'node:fs'
import {mkdtemp, open, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {appendSources, writeAll, type Source} from '../../src/export/file-copy.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cci-copy-'))
})
afterEach(async () => {
  await rm(dir, {recursive: true, force: true})
})

/** Files of distinct bytes, and what appending their ranges must give. */
async function sources(): Promise<{list: Source[]; expected: Buffer}> {
  const contents = [5_000_000, 0, 123_457, 9_000_001, 77].map((size, i) => Buffer.alloc(size, String.fromCharCode(97 + i)))
  contents[3].write('middle', 4_500_000)
  const list: Source[] = []
  for (const [i, content] of contents.entries()) {
    const file = join(dir, `part-${i}.csv`)
    await writeFile(file, content)
    const ranges: [number, number][] = i === 3 ? [[0, 10], [4_500_000, 6_000_000], [8_999_990, 9_000_001]] : content.length === 0 ? [] : [[0, content.length]]
    list.push({path: file, size: content.length, ranges})
  }
  const expected = Buffer.concat([Buffer.from('HEADER\n'), ...list.flatMap((source, i) => source.ranges.map(([from, to]) => contents[i].subarray(from, to)))])
  return {list, expected}
}

async function append(list: Source[], cat?: string): Promise<Buffer> {
  const target = join(dir, 'usage.csv')
  const out = await open(target, 'w')
  await writeAll(out, Buffer.from('HEADER\n'))
  await appendSources(out, list, cat)
  await out.close()
  return readFile(target)
}

/** A `cat` that misbehaves: writes `keep` bytes of its first file, then exits with `code`. */
function fakeCat(keep: number, code: number): string {
  const bin = join(dir, 'bin')
  mkdirSync(bin, {recursive: true})
  const cat = join(bin, `cat-${keep}-${code}`)
  writeFileSync(cat, `#!/bin/sh\nshift\nhead -c ${keep} "$1"\nexit ${code}\n`)
  chmodSync(cat, 0o755)
  return cat
}

describe('appendSources', () => {
  it('appends whole files and byte ranges in order', async () => {
    const {list, expected} = await sources()
    expect((await append(list)).equals(expected)).toBe(true)
  })

  it('finishes what a failing cat left, from where it stopped', async () => {
    const {list, expected} = await sources()
    expect((await append(list, fakeCat(1_234_567, 1))).equals(expected)).toBe(true)
  })

  it('does not trust a cat that says it finished but wrote less', async () => {
    const {list, expected} = await sources()
    expect((await append(list, fakeCat(10, 0))).equals(expected)).toBe(true)
  })

  it('copies everything itself where there is no cat (Windows)', async () => {
    const {list, expected} = await sources()
    expect((await append(list, join(dir, 'no-such-cat'))).equals(expected)).toBe(true)
  })
})
