/**
 * A share reads the same, rounded half away from zero from its exact figure, on screen (one decimal) and in the
 * CSVs' share_pct (three): through a double, 817 of the 2,000 halves between 0.05 % and 99.95 % rounded down.
 */
import {describe, expect, test} from '@jest/globals'

import {ratio} from '../../src/analysis/build.js'
import {formatShare, percentOfShare} from '../../src/core/format-credits.js'
import {sharePct} from '../../src/report/csv.js'

describe('shares rounded from their exact figure', () => {
  test('every half of a tenth of a percent rounds up on screen', () => {
    for (let k = 0; k < 2000; k++) {
      // (2k + 1) parts in 2,000: k/10 + 0.05 percent, a half exactly.
      const share = ratio(BigInt(2 * k + 1), 2000n)
      expect([share, formatShare(share)]).toEqual([share, `${((k + 1) / 10).toFixed(1)}%`])
    }
  })

  test('3 credits of 2,000 read 0.2 %, and the CSV keeps 0.15', () => {
    const share = ratio(3_000_000n, 2_000_000_000n)
    expect(formatShare(share)).toBe('0.2%')
    expect(sharePct(share)).toBe(0.15)
  })

  test('below a half stays down; negative shares round away from zero; tiny shares still say so', () => {
    expect(formatShare(ratio(2_999n, 2_000_000n))).toBe('0.1%')
    expect(percentOfShare(-0.0015, 1)).toBe(-0.2)
    expect(formatShare(ratio(1n, 1_000_000n))).toBe('<0.1%')
    expect(formatShare(0)).toBe('0.0%')
    expect(formatShare(1)).toBe('100.0%')
    expect(sharePct(ratio(7n, 200_000n))).toBe(0.004)
  })
})
