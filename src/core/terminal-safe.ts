/**
 * Characters from the data or an API that must not reach a reader as they are: control characters (C0, DEL, C1)
 * move the cursor, recolour the terminal or break a line (U+0085), and the bidirectional embeddings, overrides
 * and isolates (U+202A-U+202E, U+2066-U+2069) reorder what follows them, so a table row, a Markdown cell or a
 * Slack line would read as something else. A character class body, for the media that replace them.
 */
export const UNSAFE_TEXT_CHARACTERS = '\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069'

const UNSAFE = new RegExp(`[${UNSAFE_TEXT_CHARACTERS}]`, 'g')

/** Text for the terminal (and Markdown): each unsafe character becomes '?'. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, '?')
}

/** terminalSafe for text of several lines: its line breaks stay. */
export function terminalSafeLines(text: string): string {
  return text.split('\n').map(terminalSafe).join('\n')
}
