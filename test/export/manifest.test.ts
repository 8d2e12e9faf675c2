import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {ManifestStore, manifestMatches, partFileName, planManifest, readManifest, type ExportRequest} from '../../src/export/manifest.js'
import {splitWindows} from '../../src/export/windows.js'

const now = new Date('2024-11-20T00:00:00Z')
const range = {start: new Date('2024-09-01T00:00:00Z'), end: new Date('2024-11-01T00:00:00Z')}
const request: ExportRequest = {host: 'https://circleci.com', orgId: 'org-1', sharedOrgIds: ['b', 'a'], range, windows: splitWindows(range)}

describe('planManifest', () => {
  it('starts fresh with one entry per window', () => {
    const {manifest, resumed} = planManifest(undefined, request, now)
    expect(resumed).toBe(false)
    expect(manifest.windows.map((w) => [w.start, w.end, w.state])).toEqual(
      request.windows.map((w) => [w.start.toISOString(), w.end.toISOString(), 'new']),
    )
  })

  it('resumes a manifest written for the same org, shared orgs (any order), host and range', () => {
    const {manifest: first} = planManifest(undefined, request, now)
    first.windows[0].jobId = 'job-1'
    first.status = 'timed-out'
    const {manifest, resumed} = planManifest(first, {...request, sharedOrgIds: ['a', 'b']}, now)
    expect(resumed).toBe(true)
    expect(manifest.windows[0].jobId).toBe('job-1')
    expect(manifest.status).toBe('running')
  })

  it.each([
    ['another org', {orgId: 'org-2'}],
    ['another host', {host: 'https://circleci.example.com'}],
    ['other shared orgs', {sharedOrgIds: ['a']}],
    ['another range', {range: {start: range.start, end: new Date('2024-11-02T00:00:00Z')}}],
  ])('does not reuse job ids for %s', (_name, change) => {
    const {manifest: first} = planManifest(undefined, request, now)
    first.windows[0].jobId = 'job-1'
    const changed = {...request, ...change}
    changed.windows = splitWindows(changed.range)
    expect(manifestMatches(first, changed)).toBe(false)
    expect(planManifest(first, changed, now).manifest.windows[0].jobId).toBeUndefined()
  })
})

describe('manifest files', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cci-manifest-'))
  })
  afterEach(async () => rm(dir, {recursive: true, force: true}))

  it('round-trips through atomic saves, and ignores unreadable files', async () => {
    const path = join(dir, 'export-manifest.json')
    const store = new ManifestStore(path, planManifest(undefined, request, now).manifest, () => now)
    store.manifest.windows[0].jobId = 'job-1'
    const saves = [store.save()]
    store.manifest.windows[0].state = 'completed'
    saves.push(store.save())
    await Promise.all(saves)
    const read = await readManifest(path)
    expect(read?.windows[0]).toMatchObject({jobId: 'job-1', state: 'completed'})
    expect(JSON.parse(await readFile(path, 'utf8')).orgId).toBe('org-1')
    await writeFile(path, '{not json')
    expect(await readManifest(path)).toBeUndefined()
  })

  it('names part files safely', () => {
    expect(partFileName('6d74c1b1-65d0', 0)).toBe('6d74c1b1-65d0-1.csv.gz')
    expect(partFileName('../../etc', 1)).toBe('______etc-2.csv.gz')
  })
})
