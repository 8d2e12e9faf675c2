import type {Bucket} from '../analysis/summary.js'

/**
 * Okabe-Ito colours (black left out: it reads as an axis, not a series), ordered so that neighbouring ranks
 * stay distinguishable with deuteranopia, protanopia and tritanopia. Seven named colours is also the most a
 * stacked chart can carry legibly, so the day chart stacks at most PALETTE.length projects.
 */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#56B4E9', '#CC79A7', '#F0E442'] as const
/** "other" is always this grey, in every chart. */
export const OTHER_COLOUR = '#B0B0B0'
/** Named projects ranked beyond the palette (bar chart only): a neutral that is not the "other" grey. */
export const OVERFLOW_COLOUR = '#6B7785'

import {OTHER_KEY} from '../analysis/summary.js'

export {OTHER_KEY}

/** The red, green and blue of a #RRGGBB colour, 0 to 255. */
function channelsOf(hex: string): number[] {
  return [1, 3, 5].map((offset) => Number.parseInt(hex.slice(offset, offset + 2), 16))
}

/** WCAG 2 relative luminance of a #RRGGBB colour. */
function relativeLuminance(hex: string): number {
  const [red, green, blue] = channelsOf(hex).map((channel) => {
    const value = channel / 255
    return value <= 0.040_45 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4
  })
  return 0.2126 * red + 0.7152 * green + 0.0722 * blue
}

/** WCAG 2 contrast ratio of two #RRGGBB colours (1 to 21). */
export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x)
  return (light + 0.05) / (dark + 0.05)
}

/** Graphical objects need 3:1 against what is next to them (WCAG 1.4.11); the charts are drawn on white. */
const MARK_CONTRAST = 3
const CHART_BACKGROUND = '#FFFFFF'
const outlines = new Map<string, string>()

/**
 * The outline of a bar or column piece filled with `fill`: the fill darkened (to three quarters at least, so every
 * piece has a visible edge) until it stands 3:1 against the white chart. The palette's light colours do not (the
 * yellow is 1.3:1, the "other" grey 2.2:1): without it a light bar's length, or where a stacked piece ends, could
 * not be seen at low contrast.
 */
export function markOutline(fill: string): string {
  const known = outlines.get(fill)
  if (known) return known
  let outline = fill
  for (let scale = 75; scale > 0; scale--) {
    outline = `#${channelsOf(fill).map((channel) => Math.round((channel * scale) / 100).toString(16).padStart(2, '0')).join('').toUpperCase()}`
    if (contrastRatio(outline, CHART_BACKGROUND) >= MARK_CONTRAST) break
  }
  outlines.set(fill, outline)
  return outline
}

export interface ProjectColours {
  /** 0-based rank of the project by credits, undefined for "other" and unknown names. */
  rank(project: string): number | undefined
  colour(project: string): string
}

/** Orders buckets by credits (largest first) then key, so ties never depend on input order. */
export function byCreditsThenKey(a: {credits: number; key: string}, b: {credits: number; key: string}): number {
  if (b.credits !== a.credits) return b.credits - a.credits
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0
}

/**
 * Colour by rank in breakdowns.project so a project keeps its colour in every chart. Lookups accept the
 * bucket key or, when unambiguous, the bare project name from dims (dayByProject may use either).
 */
export function projectColours(projectBuckets: Bucket[]): ProjectColours {
  const ranked = projectBuckets.filter((b) => b.key !== OTHER_KEY).sort(byCreditsThenKey)
  const ranks = new Map<string, number>()
  ranked.forEach((bucket, index) => ranks.set(bucket.key, index))
  const byName = new Map<string, number | null>()
  ranked.forEach((bucket, index) => {
    const name = bucket.dims.project
    if (typeof name !== 'string' || ranks.has(name)) return
    byName.set(name, byName.has(name) ? null : index)
  })
  const rank = (project: string): number | undefined => {
    if (project === OTHER_KEY) return undefined
    return ranks.get(project) ?? byName.get(project) ?? undefined
  }
  return {
    rank,
    colour(project) {
      const r = rank(project)
      if (r === undefined) return OTHER_COLOUR
      return r < PALETTE.length ? PALETTE[r] : OVERFLOW_COLOUR
    },
  }
}
