/**
 * Text from the export (project, workflow, job and branch names) is attacker-influenced: anyone who can name
 * a branch can put markup in it. Everything that goes into SVG or HTML passes through here.
 */
const ENTITIES: Record<string, string> = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}

/**
 * Characters XML 1.0 forbids even as references (C0 controls except tab/LF/CR, lone surrogates, U+FFFE/FFFF).
 * One of them would make the whole SVG unparsable, so they become U+FFFD instead.
 */
// eslint-disable-next-line no-control-regex
const NOT_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/**
 * Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) are valid XML, but a browser
 * obeys them: one in a name reorders the rest of its line ("New this window", a chart tooltip holding several
 * names), so a figure could read as another. Right-to-left scripts need none of them to display; they become
 * U+FFFD, as the terminal and Slack make them '?'.
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g

export function escapeXml(text: string): string {
  return text.replace(NOT_XML_CHARS, '\uFFFD').replace(BIDI_CONTROLS, '\uFFFD').replace(/[&<>"']/g, (ch) => ENTITIES[ch])
}
