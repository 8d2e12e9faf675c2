/**
 * A token as users paste it: `--token "$(cat token.txt)"` keeps a Windows file's carriage return, and
 * `docker run --env-file` keeps quotes around a value. A trailing line end is trimmed (as the variables always
 * were); quotes or a control character inside are one line, exit 3, before any request, never quoting the token.
 */
import {mkdtemp, readdir, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {startSimulator} from '../../src/simulator/index.js'
import type {Simulator} from '../../src/simulator/types.js'
import {isBuilt, runCli} from '../helpers/cli.js'

const built = isBuilt('export')
if (!built) console.log('Skipping the token shape tests: dist/ is not built (npm test builds it first).')
const maybe = built ? it : it.skip
const eachMaybe = built ? it.each : it.skip.each

let simulator: Simulator
let out: string
beforeAll(async () => {
  simulator = await startSimulator({pendingPolls: 0})
})
afterAll(async () => simulator?.close())
beforeEach(async () => {
  out = await mkdtemp(join(tmpdir(), 'cci-token-shape-'))
})
afterEach(async () => rm(out, {recursive: true, force: true}))

const exportArgs = (...extra: string[]) => ['export', '--host', simulator.apiUrl, '--org-id', simulator.datasetOrgIds[0], '--days', '1', '--out', out, ...extra]

describe('a CircleCI token with what a file or an env file leaves around it', () => {
  maybe('--token with a trailing CR LF is used without them, as CIRCLECI_API_TOKEN is', async () => {
    const {code, stderr} = await runCli(exportArgs('--token', `${simulator.token}\r\n`))
    expect({code, stderr: stderr.split('\n').filter((line) => line.startsWith('Error'))}).toEqual({code: 0, stderr: []})
  })

  maybe('--org-id and --shared-org-id with a trailing CR LF are used without them, as CIRCLECI_ORG_ID is', async () => {
    const [primary, shared] = simulator.datasetOrgIds
    const args = exportArgs('--token', simulator.token, '--shared-org-id', `${shared}\r\n`)
    args[args.indexOf('--org-id') + 1] = `${primary}\r\n`
    const {code, stderr} = await runCli(args)
    expect({code, stderr: stderr.split('\n').filter((line) => line.startsWith('Error'))}).toEqual({code: 0, stderr: []})
    expect(stderr).toContain(`Exporting usage of organization ${primary}`)
  })

  eachMaybe([
    ['--token in double quotes', ['--token', '"demo-token"'], {}, '--token is wrapped in quotes'],
    ['CIRCLECI_API_TOKEN in single quotes (docker --env-file)', [], {CIRCLECI_API_TOKEN: `'demo-token'`}, 'CIRCLECI_API_TOKEN is wrapped in quotes'],
    ['CIRCLE_TOKEN in quotes', [], {CIRCLE_TOKEN: '"demo-token"'}, 'CIRCLE_TOKEN is wrapped in quotes'],
    ['--token with a line break inside', ['--token', 'demo-token\r\nsecond-line'], {}, '--token holds a space, line break'],
  ] as const)('%s: exit 3, one line, no request', async (_what, flags, env, message) => {
    const before = simulator.requests.length
    const {code, stdout, stderr} = await runCli(exportArgs(...flags), env)
    expect(code).toBe(3)
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toContain(`Error: ${message}`)
    expect(stdout + stderr).not.toContain('demo-token')
    expect(simulator.requests.length).toBe(before)
    expect(await readdir(out)).toEqual([])
  })
})
