import {createHmac, randomBytes, timingSafeEqual} from 'node:crypto'

import type {Clock} from '../core/clock.js'

/**
 * S3-style presigned download URLs: the query carries the signing time, the lifetime and an HMAC of
 * path + time + lifetime under a per-process secret, so links work without any credential and expire on the clock.
 */
export interface UrlSigner {
  /** Query string (without '?') for `path`, valid from `signedAt` for `ttlSeconds`. */
  sign(path: string, ttlSeconds: number, signedAt?: Date): string
  verify(path: string, query: URLSearchParams): 'ok' | 'expired' | 'bad-signature'
}

export function createUrlSigner(clock: Clock, secret: Buffer = randomBytes(32)): UrlSigner {
  const mac = (path: string, date: string, expires: string): string =>
    createHmac('sha256', secret).update(`${path}\n${date}\n${expires}`).digest('hex')
  return {
    sign(path, ttlSeconds, signedAt = clock()) {
      const date = amzDate(signedAt)
      const expires = String(ttlSeconds)
      const query = new URLSearchParams({
        'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
        'X-Amz-Date': date,
        'X-Amz-Expires': expires,
        'X-Amz-SignedHeaders': 'host',
        'X-Amz-Signature': mac(path, date, expires),
      })
      return query.toString()
    },
    verify(path, query) {
      const date = query.get('X-Amz-Date') ?? ''
      const expires = query.get('X-Amz-Expires') ?? ''
      const given = Buffer.from(query.get('X-Amz-Signature') ?? '')
      const wanted = Buffer.from(mac(path, date, expires))
      if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return 'bad-signature'
      const signedAtMs = parseAmzDate(date)
      return clock().getTime() > signedAtMs + Number(expires) * 1000 ? 'expired' : 'ok'
    },
  }
}

/** `YYYYMMDDTHHMMSSZ`, as in X-Amz-Date. */
function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')
}

function parseAmzDate(text: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text)
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : Number.NaN
}
