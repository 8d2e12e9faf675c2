import {createRequire} from 'node:module'

import {Resvg} from '@resvg/resvg-js'

const require = createRequire(import.meta.url)

/**
 * The fonts come from the dejavu-fonts-ttf package, never the system: resvg without a usable font silently
 * draws no text at all, and system fonts would make the PNG differ from machine to machine.
 */
const FONT_FILES = [
  require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
  require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
]

/** Slack shows images scaled down to its column; twice the SVG's 800 px stays sharp on high-DPI screens. */
export const DEFAULT_PNG_WIDTH = 1600

/** Rasterises one of our SVG charts to PNG bytes, `width` px wide (height follows the aspect ratio). */
export function renderChartPng(svg: string, options: {width?: number} = {}): Buffer {
  const width = Math.max(1, Math.round(options.width ?? DEFAULT_PNG_WIDTH))
  const resvg = new Resvg(svg, {
    fitTo: {mode: 'width', value: width},
    background: '#FFFFFF',
    font: {loadSystemFonts: false, fontFiles: FONT_FILES, defaultFontFamily: 'DejaVu Sans'},
  })
  return resvg.render().asPng()
}
