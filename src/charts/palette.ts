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
