import type {Bucket} from '../analysis/summary.js'
import {byCreditsThenKey, OTHER_KEY} from './palette.js'

/** One bar: a bucket from a breakdown, or the "other" roll-up of everything past the top N. */
export interface RolledBucket {
  key: string
  credits: number
  share: number
  failedCredits: number
  dollars: number | null
  isOther: boolean
  /** How many entries of the breakdown this bar adds up (an upstream "other" counts its own members). */
  members: number
  /** True when an upstream "other" bucket does not say how many it holds (older summaries): `members` undercounts. */
  includesUpstreamOther: boolean
}

function sumNullable(values: (number | null)[]): number | null {
  return values.some((v) => v === null) ? null : values.reduce<number>((total, v) => total + (v as number), 0)
}

/**
 * The top `top` buckets by credits, largest first, then one "other" bar holding the rest plus any "other"
 * bucket the breakdown already had. Nothing is dropped: the bars always add up to the breakdown.
 */
export function topWithOther(buckets: Bucket[], top: number): RolledBucket[] {
  const limit = Math.max(1, Math.floor(top))
  const named = buckets.filter((b) => b.key !== OTHER_KEY).sort(byCreditsThenKey)
  const upstreamOther = buckets.filter((b) => b.key === OTHER_KEY)
  const shown = named.slice(0, limit)
  const rest = [...named.slice(limit), ...upstreamOther]
  const bars: RolledBucket[] = shown.map((b) => ({
    key: b.key,
    credits: b.credits,
    share: b.share,
    failedCredits: b.failedCredits,
    dollars: b.dollars,
    isOther: false,
    members: 1,
    includesUpstreamOther: false,
  }))
  if (rest.length > 0) {
    bars.push({
      key: OTHER_KEY,
      credits: rest.reduce((total, b) => total + b.credits, 0),
      share: rest.reduce((total, b) => total + b.share, 0),
      failedCredits: rest.reduce((total, b) => total + b.failedCredits, 0),
      dollars: sumNullable(rest.map((b) => b.dollars)),
      isOther: true,
      members: rest.reduce((count, b) => count + (b.key === OTHER_KEY ? (b.members ?? 1) : 1), 0),
      includesUpstreamOther: upstreamOther.some((b) => b.members === undefined),
    })
  }
  return bars
}
