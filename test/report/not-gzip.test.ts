/**
 * A file named .gz that holds no gzip data: most often a download link's error page saved under the export's
 * name. The message says the file is not gzip and to download it again, not that its "header has no
 * PROJECT_NAME column". A plain CSV export under a .gz name is still read as it is.
 */
import {buildReportSummary} from '../../src/analysis/index.js'
import {exportCsv, job, tempDir, writeFixture} from './fixtures.js'

const clock = () => new Date('2024-11-20T00:00:00Z')

async function failure(name: string, content: string) {
  const input = writeFixture(tempDir(), name, content)
  const error = await buildReportSummary({inputs: [input]}, clock).then(
    () => null,
    (caught: Error & {exitCode?: number; code?: string}) => caught,
  )
  expect(error).not.toBeNull()
  return {input, error: error!}
}

describe('an input named .gz that is not gzip', () => {
  it('an error page saved as usage.csv.gz: not gzip, download it again, exit 2, one line', async () => {
    const page = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>\n'
    const {input, error} = await failure('usage.csv.gz', page)
    expect(error.exitCode).toBe(2)
    expect(error.code).toBe('E_INPUT_CORRUPT')
    expect(error.message).toBe(`Input file ${input} is named .gz but holds no gzip data (it starts with "<?xml version=\\"1.0\\" encoding=\\"UTF-8\\"?>"): download the export again.`)
  })

  it('a plain CSV export under a .gz name is read as it is', async () => {
    const input = writeFixture(tempDir(), 'usage.csv.gz', exportCsv([job({TOTAL_CREDITS: '7'})]))
    const {summary} = await buildReportSummary({inputs: [input]}, clock)
    expect(summary.totals.credits.total).toBe(7)
  })
})
