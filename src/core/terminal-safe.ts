/**
 * Text from the data or an API must not move the cursor or recolour the terminal, nor reorder what follows it:
 * control characters and the bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069,
 * which can make a table row or a Markdown cell read as something else) become '?'.
 */
export function terminalSafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '?')
}

/** terminalSafe for text of several lines: its line breaks stay. */
export function terminalSafeLines(text: string): string {
  return text.split('\n').map(terminalSafe).join('\n')
}
