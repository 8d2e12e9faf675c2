/**
 * TOTAL_CREDITS per JOB_RUN_DATE of an export's text, in micro-credits, parsed by hand from the real dialect
 * (unquoted fields, `\\N` nulls): the independent side of the tests that check the report's day sums.
 */
export function microCreditsByDay(csvText: string): Map<string, bigint> {
  const [headerLine, ...lines] = csvText.split('\n').filter((line) => line !== '')
  const header = headerLine.split(',')
  const day = header.indexOf('JOB_RUN_DATE')
  const total = header.indexOf('TOTAL_CREDITS')
  const byDay = new Map<string, bigint>()
  for (const line of lines) {
    const fields = line.split(',')
    const [whole, fraction = ''] = fields[total].split('.')
    const micro = BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0').slice(0, 6) || '0')
    byDay.set(fields[day], (byDay.get(fields[day]) ?? 0n) + micro)
  }
  return byDay
}
