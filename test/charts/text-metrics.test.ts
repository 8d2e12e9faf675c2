import {createRequire} from 'node:module'

import {DEJAVU_SANS_ADVANCES, textWidth, truncateToWidth} from '../../src/charts/text-metrics.js'
import {readFontAdvances} from './ttf-metrics.js'

const fontPath = createRequire(import.meta.url).resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')

describe('DejaVu Sans width table', () => {
  const font = readFontAdvances(fontPath)

  test('every width in the table equals the advance in the font file', () => {
    expect(font.unitsPerEm).toBe(2048)
    const drift: string[] = []
    let checked = 0
    for (const [first, widths] of DEJAVU_SANS_ADVANCES) {
      widths.forEach((width, i) => {
        const actual = font.advance(first + i)
        checked++
        if (actual !== width) drift.push(`U+${(first + i).toString(16)}: table ${width}, font ${actual}`)
      })
    }
    expect(drift).toEqual([])
    expect(checked).toBeGreaterThan(300)
  })

  test('textWidth sums the font advances at the font size', () => {
    const sample = 'api-gateway / build & test (ÄÖü) – 1,234'
    const units = Array.from(sample).reduce((sum, ch) => sum + (font.advance(ch.codePointAt(0) as number) ?? 0), 0)
    expect(textWidth(sample, 12)).toBeCloseTo((units * 12) / 2048, 6)
    expect(textWidth('iiii', 12)).toBeLessThan(textWidth('WWWW', 12) / 2)
  })

  test('truncateToWidth keeps text that fits and cuts the rest to the widest prefix plus an ellipsis', () => {
    expect(truncateToWidth('short', 100, 12)).toBe('short')
    const long = 'x'.repeat(200)
    const cut = truncateToWidth(long, 230, 12)
    expect(cut.endsWith('\u2026')).toBe(true)
    expect(textWidth(cut, 12)).toBeLessThanOrEqual(230)
    expect(textWidth(`${cut.slice(0, -1)}x\u2026`, 12)).toBeGreaterThan(230)
    // Surrogate pairs are never split.
    const emoji = truncateToWidth('😀'.repeat(50), 60, 12)
    expect(Array.from(emoji.slice(0, -1)).every((ch) => ch === '😀')).toBe(true)
  })
})
