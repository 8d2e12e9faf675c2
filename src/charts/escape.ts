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

export function escapeXml(text: string): string {
  return text.replace(NOT_XML_CHARS, '\uFFFD').replace(/[&<>"']/g, (ch) => ENTITIES[ch])
}
