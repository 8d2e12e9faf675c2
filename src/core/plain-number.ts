/**
 * A plain decimal as a user types one: digits, an optional fraction, an optional exponent (1e3). Number() alone
 * also reads '0x10' as 16, '0b1' as 1 and '0o7' as 7, which no one means by a price or a threshold.
 */
const PLAIN_DECIMAL = /^\s*(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/

export function isPlainDecimal(value: string): boolean {
  return PLAIN_DECIMAL.test(value)
}
