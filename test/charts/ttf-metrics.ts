import {readFileSync} from 'node:fs'

/**
 * A minimal TrueType reader (cmap format 4 + hmtx) so that tests can check the committed width table in
 * src/charts/text-metrics.ts against the real DejaVu Sans font instead of trusting hand-copied numbers.
 */
export interface FontAdvances {
  unitsPerEm: number
  /** Advance width in font units for a code point, or undefined when the font has no glyph for it. */
  advance(codePoint: number): number | undefined
}

export function readFontAdvances(fontPath: string): FontAdvances {
  const font = readFileSync(fontPath)
  const tables = new Map<string, number>()
  const numTables = font.readUInt16BE(4)
  for (let i = 0; i < numTables; i++) {
    const record = 12 + i * 16
    tables.set(font.toString('latin1', record, record + 4), font.readUInt32BE(record + 8))
  }
  const offsetOf = (tag: string): number => {
    const offset = tables.get(tag)
    if (offset === undefined) throw new Error(`font ${fontPath} has no ${tag} table`)
    return offset
  }

  const unitsPerEm = font.readUInt16BE(offsetOf('head') + 18)
  const numberOfHMetrics = font.readUInt16BE(offsetOf('hhea') + 34)
  const hmtx = offsetOf('hmtx')
  const advanceOfGlyph = (glyph: number): number =>
    font.readUInt16BE(hmtx + 4 * Math.min(glyph, numberOfHMetrics - 1))

  const cmap = offsetOf('cmap')
  let format4 = -1
  const subtables = font.readUInt16BE(cmap + 2)
  for (let i = 0; i < subtables; i++) {
    const platform = font.readUInt16BE(cmap + 4 + i * 8)
    const encoding = font.readUInt16BE(cmap + 6 + i * 8)
    const offset = cmap + font.readUInt32BE(cmap + 8 + i * 8)
    if (platform === 3 && encoding === 1 && font.readUInt16BE(offset) === 4) format4 = offset
  }
  if (format4 < 0) throw new Error(`font ${fontPath} has no Unicode BMP cmap (format 4)`)

  const segCount = font.readUInt16BE(format4 + 6) / 2
  const endCodes = format4 + 14
  const startCodes = endCodes + segCount * 2 + 2
  const idDeltas = startCodes + segCount * 2
  const idRangeOffsets = idDeltas + segCount * 2

  const glyphOf = (codePoint: number): number => {
    for (let s = 0; s < segCount; s++) {
      if (font.readUInt16BE(endCodes + s * 2) < codePoint) continue
      const start = font.readUInt16BE(startCodes + s * 2)
      if (start > codePoint) return 0
      const delta = font.readInt16BE(idDeltas + s * 2)
      const rangeOffsetAt = idRangeOffsets + s * 2
      const rangeOffset = font.readUInt16BE(rangeOffsetAt)
      if (rangeOffset === 0) return (codePoint + delta) & 0xffff
      const glyph = font.readUInt16BE(rangeOffsetAt + rangeOffset + (codePoint - start) * 2)
      return glyph === 0 ? 0 : (glyph + delta) & 0xffff
    }
    return 0
  }

  return {
    unitsPerEm,
    advance(codePoint) {
      if (codePoint > 0xffff) return undefined
      const glyph = glyphOf(codePoint)
      return glyph === 0 ? undefined : advanceOfGlyph(glyph)
    },
  }
}
