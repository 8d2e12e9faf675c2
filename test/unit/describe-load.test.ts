/** The one line `load` (and `run --load-to`) prints: every count written the same way. */
import {describeLoad} from '../../src/load/index.js'

describe('describeLoad', () => {
  it('writes the replaced rows with thousands separators, like the loaded rows beside them', () => {
    const line = describeLoad({
      target: 'postgres://etl@db:5432/finops table public.circleci_usage',
      kind: 'postgres',
      rows: 10745,
      credits: '4303989.000000',
      wholeDays: ['2026-11-01'],
      partialDays: ['2026-11-02'],
      duplicatesDropped: 0,
      skipped: {rows: 0, credits: '0.000000'},
      deleted: 10745,
      seconds: 0.5,
    } as Parameters<typeof describeLoad>[0])
    expect(line).toContain('Loaded 10,745 rows (4,303,989 credits)')
    expect(line).toContain('10,745 old row(s) replaced')
  })
})
