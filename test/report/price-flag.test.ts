import {describe, expect, test} from '@jest/globals'

import {CciUsageError} from '../../src/core/errors.js'
import {parsePrice} from '../../src/report/flags.js'

describe('--credit-price', () => {
  test.each([
    ['0.0006', 0.0006],
    ['0', 0],
    ['.5', 0.5],
    ['6e-4', 0.0006],
    [' 0.0006 ', 0.0006],
  ])('%j is a price', (value, price) => {
    expect(parsePrice(value)).toBe(price)
  })

  // Number() reads hex, binary and octal literals: '0x10' would silently be 16 USD a credit.
  test.each(['abc', '', '-1', 'Infinity', '1e400', '0x10', '0b1', '0o7', '$0.0006', '0,0006'])('%j is refused with exit 2', (value) => {
    const error = (() => {
      try {
        parsePrice(value)
      } catch (caught) {
        return caught
      }
      return undefined
    })()
    expect(error).toBeInstanceOf(CciUsageError)
    expect(error).toMatchObject({code: 'E_BAD_PRICE', exitCode: 2})
  })
})
