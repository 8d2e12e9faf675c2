/**
 * Ctrl-C and `docker stop` end the CLI in every phase, also in one that holds nothing to clean up (a Slack post
 * of `notify`, a database connection of `load`). In `docker run IMAGE` the CLI is the container's PID 1, and the
 * kernel gives PID 1 no default action for a signal it has no handler for: node's default then ignores SIGTERM
 * and SIGINT until SIGKILL. So the CLI handles them itself, with the statuses of the README's exit codes.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {BIN, isBuilt} from '../helpers/cli.js'
import {REPO_ROOT} from '../helpers/repo.js'
import {normalWeek} from '../slack/fixtures.js'

/**
 * A Slack that drops every request. `requests` resolves its n-th waiter on the n-th request: the first says the
 * CLI is posting (the moment to signal it), a second one that it ignored the signal and retried.
 */
function droppingSlack() {
  let count = 0
  const waiters = new Map<number, () => void>()
  const server = createServer((request) => {
    count++
    waiters.get(count)?.()
    request.socket.destroy()
  })
  const request = (n: number) => new Promise<void>((done) => (count >= n ? done() : waiters.set(n, done)))
  return {server, request}
}

let out: string
let slack: ReturnType<typeof droppingSlack>
let apiUrl: string

beforeAll(async () => {
  if (!isBuilt('notify')) throw new Error('dist/ is not built: run `npm run build` first')
  out = await mkdtemp(join(tmpdir(), 'cci-usage-signals-'))
  await writeFile(join(out, 'summary.json'), JSON.stringify(normalWeek))
})
beforeEach(async () => {
  slack = droppingSlack()
  await new Promise<void>((done) => slack.server.listen(0, '127.0.0.1', done))
  apiUrl = `http://127.0.0.1:${(slack.server.address() as AddressInfo).port}/api/`
})
afterEach(async () => {
  slack.server.closeAllConnections()
  await new Promise((done) => slack.server.close(done))
})
afterAll(async () => rm(out, {recursive: true, force: true}))

const env = () => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  NODE_ENV: 'production',
  SLACK_ACCESS_TOKEN: 'xoxb-signal-test-token',
  SLACK_DEFAULT_CHANNEL: 'C0USAGE001',
  SLACK_API_URL: apiUrl,
})

type Ended = {code: number | null; signal: NodeJS.Signals | null} | 'retried after the signal'

/** Signals `target()` once the CLI's first Slack request arrives; how it ended, or that it went on posting. */
async function signalWhilePosting(proc: ChildProcess, target: () => number, signal: NodeJS.Signals): Promise<Ended> {
  let stderr = ''
  proc.stderr?.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise<Ended>((done) => proc.on('close', (code, signal) => done({code, signal})))
  await Promise.race([slack.request(1), exited.then(() => Promise.reject(new Error(`the CLI ended before posting: ${stderr}`)))])
  process.kill(target(), signal)
  const ended = await Promise.race([exited, slack.request(2).then(() => 'retried after the signal' as const)])
  proc.kill('SIGKILL')
  await exited
  expect(stderr).not.toContain('xoxb-signal-test-token')
  return ended
}

describe('the CLI stopped by a signal in a phase with nothing to clean up (a Slack post)', () => {
  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s: exit %i', async (signal, status) => {
    const proc = spawn(process.execPath, [BIN, 'notify', '--out', out], {cwd: REPO_ROOT, env: env()})
    expect(await signalWhilePosting(proc, () => proc.pid!, signal)).toEqual({code: status, signal: null})
  })
})

// `unshare --pid --fork` makes the CLI PID 1 of a new PID namespace, as a container does; an unprivileged user
// needs a user namespace too. Where neither works (a CI container without user namespaces) this case skips.
const pidNamespace = [['--pid', '--fork'], ['--user', '--map-root-user', '--pid', '--fork']].find(
  (flags) => spawnSync('unshare', [...flags, process.execPath, '-e', 'process.exit(process.pid === 1 ? 0 : 1)']).status === 0,
)
if (!pidNamespace) console.log('Skipping the PID 1 signal test: `unshare --pid --fork` cannot make a PID namespace here.')
const asPid1 = pidNamespace ? it.each : it.skip.each

describe('the CLI as PID 1 (a container without an init)', () => {
  asPid1([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s: exit %i, not ignored', async (signal, status) => {
    const proc = spawn('unshare', [...pidNamespace!, '--kill-child', process.execPath, BIN, 'notify', '--out', out], {cwd: REPO_ROOT, env: env()})
    // unshare forks the PID 1 and waits for it: the signal goes to that child, as `docker stop` sends it.
    const pid1 = () => Number(readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, 'utf8').trim())
    expect(await signalWhilePosting(proc, pid1, signal)).toEqual({code: status, signal: null})
  })
})

/**
 * A preload that signals the CLI the moment it asks for @oclif/core (a CommonJS package, so through
 * Module._load): loading oclif takes a few hundred milliseconds, which a CI job cancelled right after it started
 * falls into. It says on stderr that it fired, so the case cannot pass without its signal.
 */
const signalOnOclif = (signal: NodeJS.Signals) => `
  const Module = require('node:module')
  const load = Module._load
  let sent = false
  Module._load = function (request, parent) {
    if (!sent && /@oclif[\\\\/]core/.test(request + ' ' + (parent?.filename ?? ''))) {
      sent = true
      process.stderr.write('signalled while @oclif/core loads\\n')
      process.kill(process.pid, ${JSON.stringify(signal)})
    }
    return load.apply(this, arguments)
  }
`

describe('the CLI stopped by a signal while it starts', () => {
  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s: exit %i, not node\'s default death by the signal', async (signal, status) => {
    const preload = join(out, `signal-on-oclif-${signal}.cjs`)
    await writeFile(preload, signalOnOclif(signal))
    const proc = spawn(process.execPath, ['--require', preload, BIN, '--version'], {cwd: REPO_ROOT, env: env()})
    let stderr = ''
    proc.stderr.on('data', (chunk) => (stderr += chunk))
    const ended = await new Promise((done) => proc.on('close', (code, how) => done({code, signal: how})))
    expect(stderr).toContain('signalled while @oclif/core loads')
    expect(ended).toEqual({code: status, signal: null})
  })
})
