/**
 * Text safety for Slack. Everything from the data (org, project, team, job names, savings text) passes
 * through here before it reaches a Block Kit text object or the fallback `text`.
 *
 * Choice for mrkdwn formatting characters (`*`, `_`, `~`, backtick): a name holding one is set as inline code,
 * where Slack applies no formatting, so `*bold*` shows as typed. No invisible character is inserted (an earlier
 * zero-width joiner around each marker rode along when a reader copied `resource_class: x_large` into a
 * config). A plain_text element would be just as safe but cannot carry the bold labels and the report link the
 * message needs beside the names.
 */

import {endRightToLeftRun} from '../core/bidi.js'
import {UNSAFE_TEXT_CHARACTERS} from '../core/terminal-safe.js'

const ELLIPSIS = '…'

/** Slack's three reserved characters. Escaping `<` and `>` is what keeps `<!channel>` and `<@U..>` inert. */
export function escapeEntities(raw: string): string {
  return raw.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
}

/**
 * Line breaks and other control characters inside a name would let it fake extra lines of the message, and a
 * bidirectional override would reverse the rest of its line, figures included: the characters terminalSafe
 * neutralises, plus Unicode's own line and paragraph separators, become one space.
 */
const FLATTENED = new RegExp(`[${UNSAFE_TEXT_CHARACTERS}\\u2028\\u2029]+`, 'g')

function flattenControls(raw: string): string {
  return raw.replace(FLATTENED, ' ')
}

/** Cuts to at most `max` characters (code points, so no half surrogate pair), ending with an ellipsis. */
export function clipPlain(raw: string, max: number): string {
  const chars = Array.from(raw)
  if (chars.length <= max) return raw
  return chars.slice(0, Math.max(0, max - 1)).join('') + ELLIPSIS
}

const FORMATTING_MARKER = /[*_~`]/
// Slack has no escape for a backtick inside code: it would end the span, so it shows as a visible lookalike.
const BACKTICK_LOOKALIKE = '\u02CB'

/** Escaped text as inline code, which Slack shows verbatim (entities aside): for text a reader copies. */
export function codeSpan(raw: string, maxChars: number): string {
  return `\`${escapeEntities(clipPlain(flattenControls(raw), maxChars)).replaceAll('`', BACKTICK_LOOKALIKE)}\``
}

/**
 * A name from the data as safe mrkdwn: controls flattened, length capped, entities escaped, and set as inline
 * code when it holds a formatting marker (only then, so ordinary names read as plain text). A right-to-left
 * name ends its run (core/bidi), so the figures after it in the line stay beside it.
 */
export function mrkdwnName(raw: string | null | undefined, maxChars: number): string {
  const name = raw ?? '(none)'
  return endRightToLeftRun(FORMATTING_MARKER.test(name) ? codeSpan(name, maxChars) : escapeEntities(clipPlain(flattenControls(name), maxChars)))
}

/** A name from the data for a plain_text element: no markup is parsed there, entities still are. */
export function plainName(raw: string | null | undefined, maxChars: number): string {
  return endRightToLeftRun(escapeEntities(clipPlain(flattenControls(raw ?? '(none)'), maxChars)))
}

/**
 * Cuts already-escaped text to at most `max` UTF-16 units (what Slack counts) with an ellipsis, without
 * splitting an entity (`&amp;`), a surrogate pair or a `<url|label>` link.
 */
export function clipEscaped(text: string, max: number): string {
  if (text.length <= max) return text
  let cut = max - ELLIPSIS.length
  const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff
  if (cut > 0 && isLowSurrogate(text.charCodeAt(cut))) cut -= 1
  let head = text.slice(0, cut)
  const openEntity = head.lastIndexOf('&')
  if (openEntity !== -1 && !head.slice(openEntity).includes(';') && /^&[a-z]*$/.test(head.slice(openEntity))) {
    head = head.slice(0, openEntity)
  }
  const openLink = head.lastIndexOf('<')
  if (openLink !== -1 && !head.slice(openLink).includes('>')) head = head.slice(0, openLink)
  return head + ELLIPSIS
}

/**
 * Joins lines under a limit: whole lines only, and when some do not fit, a last line saying how many were
 * left out (so a truncated list is never mistaken for a complete one).
 */
export function joinLinesWithin(lines: string[], max: number, moreLabel: (omitted: number) => string): string {
  const kept: string[] = []
  let length = 0
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]
    const remaining = lines.length - index - 1
    const separator = kept.length > 0 ? 1 : 0
    // Room for the "and N more" note is kept free, so that it always fits when a later line does not.
    const reserve = remaining > 0 ? 1 + moreLabel(remaining).length : 0
    if (length + separator + line.length + reserve > max) {
      const note = moreLabel(lines.length - index)
      if (length + separator + note.length <= max) kept.push(note)
      return kept.length > 0 ? kept.join('\n') : clipEscaped(line, max)
    }
    kept.push(line)
    length += separator + line.length
  }
  return kept.join('\n')
}
