import {inflateSync} from 'node:zlib'

/**
 * A tiny PNG decoder for tests (8-bit greyscale/RGB/RGBA, non-interlaced: what resvg and Chromium write), so
 * that assertions look at the pixels of the real output files rather than at a second rendering.
 */
export interface DecodedPng {
  width: number
  height: number
  /** RGBA, 4 bytes per pixel, row-major. */
  rgba: Uint8Array
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

export function readPngSize(png: Buffer): {width: number; height: number} {
  if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG file')
  return {width: png.readUInt32BE(16), height: png.readUInt32BE(20)}
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c
  const pa = Math.abs(p - a)
  const pb = Math.abs(p - b)
  const pc = Math.abs(p - c)
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c
}

export function decodePng(png: Buffer): DecodedPng {
  const {width, height} = readPngSize(png)
  let offset = 8
  let bitDepth = 0
  let colourType = 0
  let interlace = 0
  const idat: Buffer[] = []
  while (offset < png.length) {
    const length = png.readUInt32BE(offset)
    const type = png.toString('latin1', offset + 4, offset + 8)
    const data = png.subarray(offset + 8, offset + 8 + length)
    if (type === 'IHDR') {
      bitDepth = data[8]
      colourType = data[9]
      interlace = data[12]
    } else if (type === 'IDAT') idat.push(data)
    else if (type === 'IEND') break
    offset += 12 + length
  }
  const channels = ({0: 1, 2: 3, 4: 2, 6: 4} as Record<number, number>)[colourType]
  if (bitDepth !== 8 || channels === undefined || interlace !== 0) {
    throw new Error(`unsupported PNG: bit depth ${bitDepth}, colour type ${colourType}, interlace ${interlace}`)
  }
  const raw = inflateSync(Buffer.concat(idat))
  const stride = width * channels
  const pixels = new Uint8Array(stride * height)
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1))
    for (let i = 0; i < stride; i++) {
      const left = i >= channels ? pixels[y * stride + i - channels] : 0
      const up = y > 0 ? pixels[(y - 1) * stride + i] : 0
      const upLeft = y > 0 && i >= channels ? pixels[(y - 1) * stride + i - channels] : 0
      const predictor = [0, left, up, (left + up) >> 1, paeth(left, up, upLeft)][filter]
      if (predictor === undefined) throw new Error(`bad PNG filter ${filter} on row ${y}`)
      pixels[y * stride + i] = (line[i] + predictor) & 0xff
    }
  }
  const rgba = new Uint8Array(width * height * 4)
  for (let p = 0; p < width * height; p++) {
    const source = p * channels
    const grey = channels <= 2
    rgba[p * 4] = pixels[source]
    rgba[p * 4 + 1] = grey ? pixels[source] : pixels[source + 1]
    rgba[p * 4 + 2] = grey ? pixels[source] : pixels[source + 2]
    rgba[p * 4 + 3] = channels === 4 ? pixels[source + 3] : channels === 2 ? pixels[source + 1] : 255
  }
  return {width, height, rgba}
}

/** Pixels in the rectangle darker than `threshold` (0..255 luma): text and lines, not bars in palette colours. */
export function countDarkPixels(image: DecodedPng, box: {x: number; y: number; width: number; height: number}, threshold = 110): number {
  let dark = 0
  for (let y = Math.max(0, box.y); y < Math.min(image.height, box.y + box.height); y++) {
    for (let x = Math.max(0, box.x); x < Math.min(image.width, box.x + box.width); x++) {
      const i = (y * image.width + x) * 4
      const luma = 0.299 * image.rgba[i] + 0.587 * image.rgba[i + 1] + 0.114 * image.rgba[i + 2]
      if (luma < threshold) dark++
    }
  }
  return dark
}

/** How many distinct colours (quantised to 4 bits per channel) an image holds: a blank page has one or two. */
export function distinctColours(image: DecodedPng, step = 7): number {
  const seen = new Set<number>()
  for (let p = 0; p < image.width * image.height; p += step) {
    const i = p * 4
    seen.add(((image.rgba[i] >> 4) << 8) | ((image.rgba[i + 1] >> 4) << 4) | (image.rgba[i + 2] >> 4))
  }
  return seen.size
}
