import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..')
const built = existsSync(join(repoRoot, 'dist/commands/export.js'))
if (!built) console.log('Skipping CLI tests: dist/ is not built (npm test builds it first).')
const maybe = built ? it : it.skip

function cli(args: string[]): Promise<{code: number; stdout: string; stderr: string}> {
  const env = {...process.env}
  // NODE_ENV=test (set by jest) makes oclif look for TypeScript sources; users run the compiled CLI.
  env.NODE_ENV = 'production'
  for (const name of ['CIRCLECI_API_TOKEN', 'CIRCLE_TOKEN', 'CIRCLECI_ORG_ID', 'CIRCLE_ORGANIZATION_ID', 'CIRCLECI_HOST', 'CCI_USAGE_DEBUG']) delete env[name]
  return new Promise((done) => {
    execFile(process.execPath, [join(repoRoot, 'bin/run.js'), ...args], {env, cwd: repoRoot, timeout: 20_000}, (error, stdout, stderr) => {
      done({code: error ? ((error as {code?: number}).code ?? 1) : 0, stdout, stderr})
    })
  })
}

describe('cci-usage export (built CLI)', () => {
  let out: string
  beforeEach(async () => {
    out = await mkdtemp(join(tmpdir(), 'cci-export-cli-'))
  })
  afterEach(async () => rm(out, {recursive: true, force: true}))

  maybe('export --demo writes usage.csv and exits 0 without showing the token or a link', async () => {
    const {code, stdout, stderr} = await cli(['export', '--demo', '--out', out])
    expect(code).toBe(0)
    const csv = (await readFile(join(out, 'usage.csv'), 'utf8')).trim().split('\n')
    expect(csv[0].split(',')).toHaveLength(48)
    expect(csv.length).toBeGreaterThan(100)
    expect(stdout).toContain(`${csv.length - 1} rows`)
    expect(stderr).toMatch(/created export job/)
    const manifest = await readFile(join(out, 'export-manifest.json'), 'utf8')
    for (const text of [stdout, stderr, manifest]) {
      expect(text).not.toContain('demo-token')
      expect(text).not.toMatch(/X-Amz|\/exports\//i)
    }
  })

  maybe('a bad flag exits 2 with one line on stderr and no stack', async () => {
    const {code, stdout, stderr} = await cli(['export', '--days', '3', '--start', '2024-11-10', '--out', out])
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr.trim().split('\n')).toEqual(['Error: --days cannot be combined with --start/--end; use one or the other.'])
  })

  maybe('a date-time without zone names --start', async () => {
    const {code, stderr} = await cli(['export', '--demo', '--start', '2024-11-10T00:00', '--out', out])
    expect(code).toBe(2)
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toMatch(/--start 2024-11-10T00:00 has no time zone/)
  })
})
