import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {isBuilt, runCli} from '../helpers/cli.js'

const built = isBuilt('export')
if (!built) console.log('Skipping CLI tests: dist/ is not built (npm test builds it first).')
const maybe = built ? it : it.skip

describe('cci-usage export (built CLI)', () => {
  let out: string
  beforeEach(async () => {
    out = await mkdtemp(join(tmpdir(), 'cci-export-cli-'))
  })
  afterEach(async () => rm(out, {recursive: true, force: true}))

  maybe('export --demo that stops early gives a resume command with --demo, not the stopped simulator\'s host', async () => {
    // 365 days are 12 windows: the 11th POST would wait an hour, past the default --timeout, so the run stops now.
    const {code, stderr} = await runCli(['export', '--demo', '--days', '365', '--out', out])
    expect(code).toBe(5)
    expect(stderr).toMatch(/Resume with: cci-usage export --demo --start \S+ --end \S+ --out /)
    const resume = stderr.slice(stderr.indexOf('Resume with:')).split('\n')[0]
    expect(resume).not.toMatch(/--host|127\.0\.0\.1|--org-id/)
    const manifest = JSON.parse(await readFile(join(out, 'export-manifest.json'), 'utf8')) as {demo?: boolean}
    expect(manifest.demo).toBe(true)
  })

  maybe('export --demo writes usage.csv and exits 0 without showing the token or a link', async () => {
    const {code, stdout, stderr} = await runCli(['export', '--demo', '--out', out])
    expect(code).toBe(0)
    const csv = (await readFile(join(out, 'usage.csv'), 'utf8')).trim().split('\n')
    expect(csv[0].split(',')).toHaveLength(48)
    expect(csv.length).toBeGreaterThan(100)
    expect(stdout).toContain(`${csv.length - 1} rows`)
    expect(stderr).toMatch(/created export job/)
    // With thousands separators, as every other count in the log.
    expect(csv.length - 1).toBeGreaterThan(999)
    expect(stderr).toContain(`Merged ${(csv.length - 1).toLocaleString('en-US')} row(s) from`)
    const manifest = await readFile(join(out, 'export-manifest.json'), 'utf8')
    for (const text of [stdout, stderr, manifest]) {
      expect(text).not.toContain('demo-token')
      expect(text).not.toMatch(/X-Amz|\/exports\//i)
    }
  })

  maybe('a bad flag exits 2 with one line on stderr and no stack', async () => {
    const {code, stdout, stderr} = await runCli(['export', '--days', '3', '--start', '2024-11-10', '--out', out])
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr.trim().split('\n')).toEqual(['Error: --days cannot be combined with --start/--end; use one or the other.'])
  })

  maybe('a date-time without zone names --start', async () => {
    const {code, stderr} = await runCli(['export', '--demo', '--start', '2024-11-10T00:00', '--out', out])
    expect(code).toBe(2)
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toMatch(/--start 2024-11-10T00:00 has no time zone/)
  })
})
