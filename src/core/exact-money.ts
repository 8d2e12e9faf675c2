/*
 * Credits are exact micro-credits (bigint); dollars are credits x --credit-price, computed in exact decimals and
 * rounded once, where they are shown, never through a float product.
 */

/** Micro-credits as an exact decimal string (`367190`, `0.5`, `-12.000001`). */
export function formatMicroCredits(micro: bigint): string {
  return formatScaled(micro, 6)
}

/**
 * credits x price as an exact decimal string. The price is the number given to --credit-price; its shortest
 * decimal form (what JavaScript prints, e.g. 0.0006) is taken as meant, so 367190 credits at 0.0006 is exactly
 * 220.314 and the rows' dollars add up to the total's.
 */
export function exactDollars(micro: bigint, price: number): string {
  const {digits, scale} = decimalOf(price)
  return formatScaled(micro * digits, 6 + scale)
}

/** A number as the exact decimal its shortest form reads as, without an exponent (4e-11 is 0.00000000004). */
export function exactDecimal(value: number): string {
  const {digits, scale} = decimalOf(value)
  return formatScaled(digits, scale)
}

/**
 * Compares (micro-credits, times `price` when given) / `limit` x 100 with `pct`, in exact decimals (price, limit
 * and pct as their shortest decimal forms): -1 below, 0 equal, 1 above. 1,250 credits at 0.0006 are exactly 75 %
 * of $1, where the float quotient is 74.99999999999999. `limit` above 0.
 */
export function comparePctOfLimit(micro: bigint, price: number | null, limit: number, pct: number): -1 | 0 | 1 {
  const perCredit = price === null ? {digits: 1n, scale: 0} : decimalOf(price)
  return compareQuotient({digits: micro * perCredit.digits * 100n, scale: 6 + perCredit.scale}, decimalOf(limit), decimalOf(pct))
}

interface ExactDecimal {
  digits: bigint
  scale: number
}

/** numerator / denominator (above 0) against limit, by cross-multiplying: -1 below, 0 equal, 1 above. */
function compareQuotient(numerator: ExactDecimal, denominator: ExactDecimal, limit: ExactDecimal): -1 | 0 | 1 {
  // n / d vs l  <=>  n.digits x 10^(d.scale + l.scale) vs l.digits x d.digits x 10^n.scale
  const left = numerator.digits * 10n ** BigInt(denominator.scale + limit.scale)
  const right = limit.digits * denominator.digits * 10n ** BigInt(numerator.scale)
  return left === right ? 0 : left > right ? 1 : -1
}

function decimalOf(value: number): ExactDecimal {
  if (!Number.isFinite(value)) throw new Error(`not a finite price: ${value}`)
  const [mantissa, exponentText] = String(value).toLowerCase().split('e')
  const exponent = Number(exponentText ?? 0)
  const negative = mantissa.startsWith('-')
  const [whole, fraction = ''] = mantissa.replace('-', '').split('.')
  let digits = BigInt(whole + fraction)
  let scale = fraction.length - exponent
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale)
    scale = 0
  }
  return {digits: negative ? -digits : digits, scale}
}

function formatScaled(value: bigint, scale: number): string {
  const negative = value < 0n
  const magnitude = (negative ? -value : value).toString().padStart(scale + 1, '0')
  const whole = magnitude.slice(0, magnitude.length - scale)
  const fraction = magnitude.slice(magnitude.length - scale).replace(/0+$/, '')
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`
}

/**
 * credits x price rounded to whole cents, half away from zero, in exact decimals: 1,675 credits at 0.0006 is
 * exactly $1.005 and reads $1.01, where rounding the float product (1.00499...) gave $1.00.
 */
export function dollarsInCents(micro: bigint, price: number): number {
  const {digits, scale} = decimalOf(price)
  const divisor = 10n ** BigInt(6 + scale - 2)
  return Number(divideRounded(micro * digits, divisor)) / 100
}

/** numerator / denominator (above 0) rounded half away from zero, in integers. */
export function divideRounded(numerator: bigint, denominator: bigint): bigint {
  const magnitude = ((numerator < 0n ? -numerator : numerator) * 2n + denominator) / (2n * denominator)
  return numerator < 0n ? -magnitude : magnitude
}

/**
 * `value` x 10^keep rounded half away from zero, from the decimal of its first `read` decimals (`read` >= `keep`):
 * toFixed gives back the decimal a double was made from, or an interpolation of such decimals, where rounding the
 * double itself puts a figure ending in a half on either side (2.0000015 is 2.0000014999999998). For figures
 * below ~1e15 / 10^read, where `read` decimals are still exact.
 */
export function roundedFromDecimals(value: number, read: number, keep: number): bigint {
  return divideRounded(BigInt(value.toFixed(read).replace('.', '')), 10n ** BigInt(read - keep))
}

/**
 * Credits as the Summary holds them (a number of at most six decimals, from creditsToNumber) back to exact
 * micro-credits: exact below 2^52 micro-credits (about 4.5 billion credits); nearer 2^53 the decimal text the
 * number was made from and the product by 10^6 can each round, and the figure reads back one micro-credit off.
 */
export function numberToCredits(credits: number): bigint {
  return BigInt(Math.round(credits * 1_000_000))
}

/**
 * dollarsInCents of a credit figure the Summary holds as a number and no dollars for (failed credits, an
 * organization, a Health row, a savings estimate per week): the number's micro-credits, priced exactly, so every
 * medium reads the same cent (80,625 credits at $0.0006 are $48.38, where the float product 48.37499... reads $48.37).
 */
export function dollarsOfCreditFigure(credits: number, price: number): number {
  return dollarsInCents(numberToCredits(credits), price)
}

/**
 * Credits seen over `days` as credits per week (x 7 / days), and with two rates, the part of them a class change
 * saves (x (1 - suggested / current)), to the micro-credit, half away from zero: computed in exact decimals (days and
 * rates as their shortest decimal forms) and rounded once, never through a float product (2889.2999999500003).
 * `days` and `currentRate` must not be 0.
 */
export function weeklyMicroCredits(micro: bigint, days: number, rates?: {current: number; suggested: number}): bigint {
  const span = decimalOf(days)
  // micro x 7 / (span.digits / 10^span.scale)
  let dividend = micro * 7n * 10n ** BigInt(span.scale)
  let divisor = span.digits
  if (rates) {
    const current = decimalOf(rates.current)
    const suggested = decimalOf(rates.suggested)
    const scale = Math.max(current.scale, suggested.scale)
    const currentWhole = current.digits * 10n ** BigInt(scale - current.scale)
    const suggestedWhole = suggested.digits * 10n ** BigInt(scale - suggested.scale)
    dividend *= currentWhole - suggestedWhole
    divisor *= currentWhole
  }
  return divisor < 0n ? divideRounded(-dividend, -divisor) : divideRounded(dividend, divisor)
}

/**
 * Compares value x times / dividedBy with limit in exact decimals (each number as its shortest decimal form):
 * -1 below, 0 equal, 1 above. A p95 of 35 % on a 4-vCPU class is exactly 70 % of a 2-vCPU one, where a float
 * product can land a hair either side. `dividedBy` above 0.
 */
export function compareScaled(value: number, times: number, dividedBy: number, limit: number): -1 | 0 | 1 {
  const [v, t] = [decimalOf(value), decimalOf(times)]
  return compareQuotient({digits: v.digits * t.digits, scale: v.scale + t.scale}, decimalOf(dividedBy), decimalOf(limit))
}
