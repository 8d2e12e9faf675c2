/**
 * The record of posted messages (slack/posted.ts): matched by window, destination and message; bounded to windows
 * that ended at most KEEP_POSTED_DAYS ago; a damaged or unreadable file reads as empty, with a warning.
 */
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {DAY_MS} from '../../src/export/windows.js'
import {destinationOf, findPosted, KEEP_POSTED_DAYS, POSTED_FILE, readPostedRecord, recordPosted, type PostedEntry} from '../../src/slack/posted.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cci-usage-posted-'))
})
afterEach(async () => {
  await rm(dir, {recursive: true, force: true})
})

const NOW = new Date('2026-06-01T06:00:00Z')

function entry(windowEnd: Date, destination = 'C0USAGE001', team: string | null = null): PostedEntry {
  return {window: {start: new Date(windowEnd.getTime() - 7 * DAY_MS).toISOString(), end: windowEnd.toISOString()}, organizations: ['org-1'], destination, team, postedAt: NOW.toISOString()}
}

describe('slack-posted.json', () => {
  it('keeps windows that ended up to KEEP_POSTED_DAYS ago and drops older ones', async () => {
    const record = await readPostedRecord(dir, () => undefined)
    const kept = new Date(NOW.getTime() - KEEP_POSTED_DAYS * DAY_MS)
    const dropped = new Date(kept.getTime() - 1)
    await recordPosted(record, entry(dropped), NOW)
    await recordPosted(record, entry(kept), NOW)
    await recordPosted(record, entry(NOW), NOW)
    const written = JSON.parse(await readFile(join(dir, POSTED_FILE), 'utf8')) as {entries: PostedEntry[]}
    expect(written.entries.map((item) => item.window.end)).toEqual([kept.toISOString(), NOW.toISOString()])
  })

  it('matches the same window, destination and message only', async () => {
    const record = await readPostedRecord(dir, () => undefined)
    await recordPosted(record, entry(NOW, 'C0USAGE001', 'platform'), NOW)
    const range = {start: new Date(NOW.getTime() - 7 * DAY_MS), end: NOW}
    expect(findPosted(record, range, 'C0USAGE001', 'platform')).toBeDefined()
    expect(findPosted(record, range, 'C0USAGE001', null)).toBeUndefined()
    expect(findPosted(record, range, 'C0OTHER001', 'platform')).toBeUndefined()
    expect(findPosted(record, {start: range.start, end: new Date(NOW.getTime() + DAY_MS)}, 'C0USAGE001', 'platform')).toBeUndefined()
    // Recording the same message again replaces its entry.
    await recordPosted(record, entry(NOW, 'C0USAGE001', 'platform'), NOW)
    expect(record.entries).toHaveLength(1)
  })

  it.each([
    ['not JSON', '{"version": 1, "entr'],
    ['another shape', '{"version": 1, "entries": [{"window": "last week"}]}'],
    ['another version', '{"version": 2, "entries": []}'],
  ])('reads a damaged file (%s) as empty, with one warning', async (_what, text) => {
    await writeFile(join(dir, POSTED_FILE), text)
    const warnings: string[] = []
    expect((await readPostedRecord(dir, (line) => warnings.push(line))).entries).toEqual([])
    expect(warnings).toEqual([expect.stringContaining('is damaged')])
  })

  it('reads an unreadable file (a folder in its place) as empty, with one warning', async () => {
    await mkdir(join(dir, POSTED_FILE))
    const warnings: string[] = []
    expect((await readPostedRecord(dir, (line) => warnings.push(line))).entries).toEqual([])
    expect(warnings).toEqual([expect.stringContaining('cannot read')])
  })

  it('names a webhook by a fixed word, never its URL', () => {
    expect(destinationOf({webhookUrl: 'https://hooks.slack.com/services/T0/B0/secret'})).toBe('incoming-webhook')
    expect(destinationOf({token: 'xoxb-1', channel: 'C0USAGE001', webhookUrl: 'https://hooks.slack.com/services/T0/B0/secret'})).toBe('C0USAGE001')
    expect(destinationOf({channel: 'C0USAGE001'})).toBeNull()
  })
})
