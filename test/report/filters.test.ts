/** --org/--project match ignoring case (CircleCI's VCS names do), --branch exactly (git branches do not). */
import {buildReportSummary} from '../../src/analysis/index.js'
import {exportCsv, job, tempDir, writeFixture} from './fixtures.js'

const clock = () => new Date('2024-11-20T00:00:00Z')
const rows = [
  job({ORGANIZATION_NAME: 'Acme-Corp', ORGANIZATION_ID: 'ORG-UUID-1', PROJECT_NAME: 'Web-App', VCS_BRANCH: 'Main', TOTAL_CREDITS: 1}),
  job({ORGANIZATION_NAME: 'Acme-Corp', ORGANIZATION_ID: 'ORG-UUID-1', PROJECT_NAME: 'web-api', VCS_BRANCH: 'main', TOTAL_CREDITS: 2}),
  job({ORGANIZATION_NAME: 'other', ORGANIZATION_ID: 'org-uuid-2', PROJECT_NAME: 'API', VCS_BRANCH: 'Release/1', TOTAL_CREDITS: 4}),
]
let input: string
beforeAll(() => {
  input = writeFixture(tempDir(), 'usage.csv', exportCsv(rows))
})
const report = (filters: Record<string, string>) => buildReportSummary({inputs: [input], filters}, clock)
const total = async (filters: Record<string, string>) => (await report(filters)).summary.totals.credits.total

describe('report filters and case', () => {
  it.each([
    [{project: 'web-app'}, 1],
    [{project: 'WEB-APP'}, 1],
    [{project: 'api'}, 4],
    [{project: 'WEB-*'}, 3],
    [{project: '[W]eb-a*'}, 3],
    [{org: 'acme-corp'}, 3],
    [{org: 'ACME-*'}, 3],
    [{org: 'org-uuid-1'}, 3],
    [{org: 'ORG-UUID-2'}, 4],
    [{org: 'acme-corp', project: 'Web-Api'}, 2],
  ])('%j matches ignoring case: %d credits', async (filters, credits) => {
    expect(await total(filters)).toBe(credits)
  })

  it.each([
    [{branch: 'main'}, 2],
    [{branch: 'Main'}, 1],
    [{branch: 'release/*'}, 0],
    [{branch: 'Release/*'}, 4],
  ])('--branch %j matches case-sensitively: %d credits', async (filters, credits) => {
    expect(await total(filters)).toBe(credits)
  })

  it('still warns when a filter matches nothing, whatever the case', async () => {
    const none = await report({project: 'NOPE-*'})
    expect(none.summary.totals.credits.total).toBe(0)
    expect(none.notices).toContain('No row of the input matches --project "NOPE-*": check the name (exact, or a glob such as "web-*").')
    const branch = await report({branch: 'MAIN'})
    expect(branch.notices.some((notice) => notice.startsWith('No row of the input matches --branch "MAIN"'))).toBe(true)
  })
})
