import {createHash} from 'node:crypto'

/** A small seeded PRNG (sfc32): the demo data must be identical for the same seed on every machine. */
export interface Random {
  next(): number
  int(minInclusive: number, maxInclusive: number): number
  pick<T>(items: readonly T[]): T
  weighted<T>(items: readonly T[], weights: readonly number[]): T
  chance(probability: number): boolean
}

export function seededRandom(...seedParts: (string | number)[]): Random {
  const digest = createHash('sha256').update(seedParts.join('\u0000')).digest()
  let a = digest.readUInt32LE(0)
  let b = digest.readUInt32LE(4)
  let c = digest.readUInt32LE(8)
  let d = digest.readUInt32LE(12)
  const next = (): number => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return (t >>> 0) / 4_294_967_296
  }
  // Discard the first outputs: sfc32 is weak right after seeding.
  for (let i = 0; i < 12; i++) next()
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
    weighted(items, weights) {
      const total = weights.reduce((sum, w) => sum + w, 0)
      let target = next() * total
      for (let i = 0; i < items.length; i++) {
        target -= weights[i]
        if (target < 0) return items[i]
      }
      return items[items.length - 1]
    },
    chance: (probability) => next() < probability,
  }
}

/** A uuid-shaped id derived from its parts by hashing, so ids are deterministic and (practically) unique. */
export function stableUuid(...parts: (string | number)[]): string {
  const hex = createHash('sha1').update(parts.join('\u0000')).digest('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}
