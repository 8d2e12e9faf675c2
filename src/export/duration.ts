import {BadInputError} from '../core/errors.js'

const UNIT_MS: Record<string, number> = {s: 1000, m: 60_000, h: 3_600_000}

/** `90s`, `30m`, `2h`, `1h30m` or plain seconds, in milliseconds; anything else names the flag. */
export function parseDuration(value: string, flag = '--timeout'): number {
  const text = value.trim().toLowerCase()
  if (/^\d+(\.\d+)?$/.test(text)) return checked(Number(text) * 1000, value, flag)
  const pieces = [...text.matchAll(/(\d+(?:\.\d+)?)([hms])/g)]
  if (pieces.length === 0 || pieces.map((piece) => piece[0]).join('') !== text) {
    throw new BadInputError('E_BAD_DURATION', `${flag} ${value} is not a duration; use e.g. 90s, 30m, 2h or a number of seconds.`)
  }
  return checked(pieces.reduce((total, [, amount, unit]) => total + Number(amount) * UNIT_MS[unit], 0), value, flag)
}

function checked(ms: number, value: string, flag: string): number {
  if (!(ms > 0)) throw new BadInputError('E_BAD_DURATION', `${flag} ${value} must be longer than zero.`)
  return Math.round(ms)
}

/** The shortest exact spelling parseDuration accepts (for the resume command). */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`
  if (ms % 60_000 === 0) return `${ms / 60_000}m`
  return `${Math.ceil(ms / 1000)}s`
}
