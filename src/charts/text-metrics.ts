/**
 * Advance widths of DejaVu Sans (the font the SVGs name first and the PNG renderer embeds), in font units
 * (2048 per em), read from node_modules/dejavu-fonts-ttf/ttf/DejaVuSans.ttf. test/charts/text-metrics.test.ts
 * re-reads the font and fails if this table drifts from it. Kerning is ignored: it only ever narrows Latin
 * text, so measurements err on the wide side and labels never overflow because of it.
 */
const UNITS_PER_EM = 2048

export const DEJAVU_SANS_ADVANCES: ReadonlyArray<readonly [number, readonly number[]]> = [
  [0x20, [651, 821, 942, 1716, 1303, 1946, 1597, 563, 799, 799, 1024, 1716, 651, 739, 651, 690, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 690, 690, 1716, 1716, 1716, 1087, 2048, 1401, 1405, 1430, 1577, 1294, 1178, 1587, 1540, 604, 604, 1343, 1141, 1767, 1532, 1612, 1235, 1612, 1423, 1300, 1251, 1499, 1401, 2025, 1403, 1251, 1403, 799, 690, 799, 1716, 1024, 1024, 1255, 1300, 1126, 1300, 1260, 721, 1300, 1298, 569, 569, 1186, 569, 1995, 1298, 1253, 1300, 1300, 842, 1067, 803, 1298, 1212, 1675, 1212, 1212, 1075, 1303, 690, 1303, 1716]],
  [0xa0, [651, 821, 1303, 1303, 1303, 1303, 690, 1024, 1024, 2048, 965, 1253, 1716, 739, 2048, 1024, 1024, 1716, 821, 821, 1024, 1303, 1303, 651, 1024, 821, 965, 1253, 1985, 1985, 1985, 1087, 1401, 1401, 1401, 1401, 1401, 1401, 1995, 1430, 1294, 1294, 1294, 1294, 604, 604, 604, 604, 1587, 1532, 1612, 1612, 1612, 1612, 1612, 1716, 1612, 1499, 1499, 1499, 1499, 1251, 1239, 1290, 1255, 1255, 1255, 1255, 1255, 1255, 2011, 1126, 1260, 1260, 1260, 1260, 569, 569, 569, 569, 1253, 1298, 1253, 1253, 1253, 1253, 1253, 1716, 1253, 1298, 1298, 1298, 1298, 1212, 1300, 1212, 1401, 1255, 1401, 1255, 1401, 1255, 1430, 1126, 1430, 1126, 1430, 1126, 1430, 1126, 1577, 1300, 1587, 1300, 1294, 1260, 1294, 1260, 1294, 1260, 1294, 1260, 1294, 1260, 1587, 1300, 1587, 1300, 1587, 1300, 1587, 1300, 1540, 1298, 1876, 1423, 604, 569, 604, 569, 604, 569, 604, 569, 604, 569, 1208, 1138, 604, 569, 1343, 1186, 1186, 1141, 569, 1141, 569, 1141, 768, 1141, 700, 1151, 582, 1532, 1298, 1532, 1298, 1532, 1298, 1666, 1532, 1298, 1612, 1253, 1612, 1253, 1612, 1253, 2191, 2095, 1423, 842, 1423, 842, 1423, 842, 1300, 1067, 1300, 1067, 1300, 1067, 1300, 1067, 1251, 803, 1251, 803, 1251, 803, 1499, 1298, 1499, 1298, 1499, 1298, 1499, 1298, 1499, 1298, 1499, 1298, 2025, 1675, 1251, 1212, 1251, 1403, 1075, 1403, 1075, 1403, 1075, 721]],
  [0x2010, [739, 739, 1303, 1024, 2048, 2048, 1024, 1024, 651, 651, 651, 651, 1061, 1061, 1061, 1061, 1024, 1024, 1208, 1208, 685, 1367, 2048, 651]],
  [0x2030, [2748, 3554, 465, 765, 1065, 465, 765, 1065, 694, 819, 819]],
  [0x20ac, [1303]],
  [0x2190, [1716, 1716, 1716, 1716]],
  [0x2212, [1716]],
]

const ADVANCES = new Map<number, number>()
for (const [first, widths] of DEJAVU_SANS_ADVANCES) widths.forEach((width, i) => ADVANCES.set(first + i, width))

/** Wider than most DejaVu glyphs (Cyrillic, Greek, symbols), so unknown text is over- rather than under-measured. */
const UNKNOWN_ADVANCE = 1640
const WIDE_ADVANCE = UNITS_PER_EM

function isWide(codePoint: number): boolean {
  return (
    (codePoint >= 0x1100 && codePoint <= 0x115f) ||
    (codePoint >= 0x2e80 && codePoint <= 0xa4cf) ||
    (codePoint >= 0xac00 && codePoint <= 0xd7a3) ||
    (codePoint >= 0xf900 && codePoint <= 0xfaff) ||
    (codePoint >= 0xfe30 && codePoint <= 0xfe4f) ||
    (codePoint >= 0xff00 && codePoint <= 0xff60) ||
    (codePoint >= 0xffe0 && codePoint <= 0xffe6) ||
    (codePoint >= 0x1f300 && codePoint <= 0x1faff) ||
    (codePoint >= 0x20000 && codePoint <= 0x3fffd)
  )
}

function isZeroWidth(codePoint: number): boolean {
  return (
    (codePoint >= 0x0300 && codePoint <= 0x036f) ||
    (codePoint >= 0x200b && codePoint <= 0x200f) ||
    (codePoint >= 0xfe00 && codePoint <= 0xfe0f)
  )
}

function advanceOf(codePoint: number): number {
  const known = ADVANCES.get(codePoint)
  if (known !== undefined) return known
  if (isZeroWidth(codePoint)) return 0
  return isWide(codePoint) ? WIDE_ADVANCE : UNKNOWN_ADVANCE
}

/** Rendered width in px of `text` in DejaVu Sans at `fontSize` px. */
export function textWidth(text: string, fontSize: number): number {
  let units = 0
  for (const ch of text) units += advanceOf(ch.codePointAt(0) as number)
  return (units * fontSize) / UNITS_PER_EM
}

const ELLIPSIS = '\u2026'

/**
 * `text` unchanged when it fits in `maxWidth` px, else the longest prefix (whole code points, trailing
 * spaces dropped) followed by an ellipsis that fits.
 */
export function truncateToWidth(text: string, maxWidth: number, fontSize: number): string {
  if (textWidth(text, fontSize) <= maxWidth) return text
  const budget = maxWidth - textWidth(ELLIPSIS, fontSize)
  const chars = Array.from(text)
  let units = 0
  let kept = 0
  for (const ch of chars) {
    const next = units + advanceOf(ch.codePointAt(0) as number)
    if ((next * fontSize) / UNITS_PER_EM > budget) break
    units = next
    kept++
  }
  return chars.slice(0, kept).join('').trimEnd() + ELLIPSIS
}

/** `text` cut in the middle to fit `maxWidth` px: its start and its end (whole code points) around an ellipsis. */
function truncateMiddleToWidth(text: string, maxWidth: number, fontSize: number): string {
  const budget = ((maxWidth - textWidth(ELLIPSIS, fontSize)) * UNITS_PER_EM) / fontSize
  const chars = Array.from(text)
  let head = 0
  let units = 0
  while (head < chars.length && units + advanceOf(chars[head].codePointAt(0) as number) <= budget / 2) units += advanceOf(chars[head++].codePointAt(0) as number)
  let tail = chars.length
  while (tail > head && units + advanceOf(chars[tail - 1].codePointAt(0) as number) <= budget) units += advanceOf(chars[--tail].codePointAt(0) as number)
  return chars.slice(0, head).join('').trimEnd() + ELLIPSIS + chars.slice(tail).join('').trimStart()
}

/**
 * Each text as truncateToWidth cuts it, except texts that would then read the same though they differ (a long
 * organization before "/project", names sharing a long prefix): those keep their end too, cut in the middle, so
 * that two bars or legend entries never carry the same label.
 */
export function truncateAllToWidth(texts: readonly string[], maxWidth: number, fontSize: number): string[] {
  const cut = texts.map((text) => truncateToWidth(text, maxWidth, fontSize))
  const sources = new Map<string, Set<string>>()
  cut.forEach((label, index) => sources.set(label, (sources.get(label) ?? new Set<string>()).add(texts[index])))
  return cut.map((label, index) => ((sources.get(label) as Set<string>).size > 1 ? truncateMiddleToWidth(texts[index], maxWidth, fontSize) : label))
}
