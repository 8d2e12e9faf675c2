/**
 * `run --history`: which weekly messages went out, so that "Rerun workflow from failed" in CircleCI (a failed
 * --load-to, or a team channel under --strict-notify, fails the job after the messages were posted) does not post
 * the same week to the same channel again. The record lives in the history folder because that is what the orb
 * persists between runs (saved `when: always`); the history's own checks read only the files history.json names.
 * It holds no token and no webhook URL: a webhook's destination is the fixed word below.
 */
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'

import {writeJsonAtomic} from '../core/atomic.js'
import type {DateRange} from '../export/windows.js'
import {DAY_MS} from '../export/windows.js'

export const POSTED_FILE = 'slack-posted.json'
const POSTED_VERSION = 1
export const WEBHOOK_DESTINATION = 'incoming-webhook'
/** Entries whose window ended this long ago are dropped: no rerun comes that late, and the file stays small. */
export const KEEP_POSTED_DAYS = 60

export interface PostedEntry {
  /** The report window, ISO instants (end exclusive). */
  window: {start: string; end: string}
  /** The organizations of the history. */
  organizations: string[]
  /** The channel as configured (ID or name), or WEBHOOK_DESTINATION. */
  destination: string
  /** null: the organization's message; else the team's name. */
  team: string | null
  postedAt: string
  /** The channel ID Slack resolved the message to, and its ts (bot token only). */
  channel?: string
  ts?: string
}

export interface PostedRecord {
  dir: string
  entries: PostedEntry[]
}

/** The record of `dir`; missing is empty, and a damaged one is empty too (with a warning): it must never cost the report or the message. */
export async function readPostedRecord(dir: string, warn: (line: string) => void): Promise<PostedRecord> {
  const path = join(dir, POSTED_FILE)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'ENOENT') warn(`cannot read ${path} (${code ?? 'read error'}): treating it as empty, so this week's Slack messages may be posted again.`)
    return {dir, entries: []}
  }
  const entries = parseEntries(text)
  if (entries === null) {
    warn(`${path} is damaged (not the record cci-usage writes): treating it as empty, so this week's Slack messages may be posted again; it is rewritten after the next post.`)
    return {dir, entries: []}
  }
  return {dir, entries}
}

function parseEntries(text: string): PostedEntry[] | null {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  const record = value as {version?: unknown; entries?: unknown}
  if (typeof value !== 'object' || value === null || record.version !== POSTED_VERSION || !Array.isArray(record.entries)) return null
  return record.entries.every(isEntry) ? (record.entries as PostedEntry[]) : null
}

function isEntry(value: unknown): value is PostedEntry {
  const entry = value as PostedEntry
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof entry.window?.start === 'string' &&
    typeof entry.window?.end === 'string' &&
    Array.isArray(entry.organizations) &&
    typeof entry.destination === 'string' &&
    (entry.team === null || typeof entry.team === 'string') &&
    typeof entry.postedAt === 'string'
  )
}

/** Where a message goes, as recorded: the configured channel, or the webhook's fixed word (never its URL). null: not configured. */
export function destinationOf(options: {token?: string; channel?: string; webhookUrl?: string}): string | null {
  if (options.token && options.channel) return options.channel
  if (options.webhookUrl) return WEBHOOK_DESTINATION
  return null
}

type MessageKey = Pick<PostedEntry, 'window' | 'destination' | 'team'>

/** The same message of the same window to the same destination: what a rerun must not post again. */
function sameMessage(a: MessageKey, b: MessageKey): boolean {
  return a.window.start === b.window.start && a.window.end === b.window.end && a.destination === b.destination && a.team === b.team
}

/** A report window as the record holds it. */
export function postedWindow(range: DateRange): PostedEntry['window'] {
  return {start: range.start.toISOString(), end: range.end.toISOString()}
}

/** The entry of the same window, destination and message, if that message was posted already. */
export function findPosted(record: PostedRecord, range: DateRange, destination: string, team: string | null): PostedEntry | undefined {
  const key = {window: postedWindow(range), destination, team}
  return record.entries.find((entry) => sameMessage(entry, key))
}

/** Adds (or replaces) the entry and writes the record atomically, dropping entries whose window ended over KEEP_POSTED_DAYS before `now`. */
export async function recordPosted(record: PostedRecord, entry: PostedEntry, now: Date): Promise<void> {
  const oldest = now.getTime() - KEEP_POSTED_DAYS * DAY_MS
  record.entries = [...record.entries.filter((kept) => Date.parse(kept.window.end) >= oldest && !sameMessage(kept, entry)), entry]
  await writeJsonAtomic(join(record.dir, POSTED_FILE), {version: POSTED_VERSION, entries: record.entries})
}
