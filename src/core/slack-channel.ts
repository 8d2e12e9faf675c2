import {holdsTokenShape} from './secrets.js'

/**
 * What can be a Slack channel: an ID (upper-case letters and digits, C0123456789) or a name of at most 80
 * lower-case letters of any script (Slack takes #開発 and #разработка), digits, - _ and ., with or without its #.
 * Anything else (spaces, markup, a URL) cannot be one, and is refused before a run spends an export.
 */
const CHANNEL = /^#?[\p{L}\p{N}][\p{L}\p{M}\p{N}._-]{0,79}$/u

export const CHANNEL_HINT = 'use the channel ID, e.g. C0123456789, or #name'

/**
 * The channel trimmed, or null when the value cannot be one. A token pasted there (xoxb-1234-... has a channel
 * name's letters, digits and dashes) would be sent as the channel and printed in the --dry-run payload.
 */
export function slackChannelOf(value: unknown): string | null {
  if (typeof value !== 'string') return null
  const channel = value.trim()
  return CHANNEL.test(channel) && !holdsTokenShape(channel) ? channel : null
}
