/**
 * `sslmode` in a `load --to postgres://` target, against real PostgreSQL servers with and without TLS (a
 * self-signed certificate made with openssl): libpq's meanings, and never the driver's own multi-line
 * "SECURITY WARNING" on stderr.
 */
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {isBuilt, runCli, type CliResult} from '../helpers/cli.js'
import {startTestPostgres, type PostgresServer} from '../helpers/postgres.js'
import {GOLDEN_EXPORT, haveGoldenExport} from '../helpers/repo.js'

const ready = isBuilt('load') && haveGoldenExport('the Postgres sslmode tests')
let plain: PostgresServer | null = null
let tls: PostgresServer | null = null
let work: string
let otherCa: string

beforeAll(async () => {
  if (!ready) return
  ;[plain, tls] = await Promise.all([startTestPostgres('the Postgres sslmode tests'), startTestPostgres('the Postgres sslmode tests', {tls: true})])
  work = mkdtempSync(join(tmpdir(), 'cci-usage-pg-ssl-'))
  // A certificate the server's was not signed with: verifying against it must fail.
  otherCa = join(work, 'other-ca.crt')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(work, 'other-ca.key'), '-out', otherCa, '-days', '2', '-subj', '/CN=other'], {stdio: 'ignore'})
}, 120_000)
afterAll(async () => {
  await Promise.all([plain?.stop(), tls?.stop()])
  if (work) rmSync(work, {recursive: true, force: true})
})

const maybe = (name: string, fn: () => Promise<void>, timeout?: number) =>
  it(name, async () => {
    if (!ready || !plain || !tls) return
    await fn()
  }, timeout)

let tableCounter = 0
function load(server: PostgresServer, query: string): Promise<CliResult> {
  tableCounter++
  return runCli(['load', '--input', GOLDEN_EXPORT, '--to', server.url({query: `${query}&table=ssl_t${tableCounter}`})])
}

/** This tool's own one-line warning about a certificate the sslmode leaves unchecked (asserted where it is due). */
const UNCHECKED = /^Warning: sslmode=\S+ does not check the database server's certificate/

function expectNoDriverWarning(result: CliResult, server: PostgresServer): void {
  const stderr = result.stderr.split('\n').filter((line) => !UNCHECKED.test(line)).join('\n')
  expect(stderr).not.toContain('SECURITY WARNING')
  expect(stderr).not.toMatch(/Warning:|\(node:\d+\)/)
  expect(result.stdout + result.stderr).not.toContain(server.password)
}

function expectOneErrorLine(result: CliResult, code: number, message: RegExp): void {
  expect(result.code).toBe(code)
  const lines = result.stderr.split('\n').filter((line) => line.trim() !== '' && !UNCHECKED.test(line))
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(message)
}

describe('load --to postgres://...?sslmode= (real PostgreSQL)', () => {
  maybe('sslmode=require on a server without TLS: one line, exit 4, no driver warning', async () => {
    const result = await load(plain!, 'sslmode=require')
    expectOneErrorLine(result, 4, /Cannot reach PostgreSQL .*SSL/)
    expectNoDriverWarning(result, plain!)
  })

  maybe('sslmode=prefer and allow use TLS when the server offers it, and a plain connection when it does not', async () => {
    for (const server of [plain!, tls!]) {
      for (const mode of ['prefer', 'allow']) {
        const result = await load(server, `sslmode=${mode}`)
        expect(result.stderr).not.toMatch(/^Error/m)
        expect(result.code).toBe(0)
        expectNoDriverWarning(result, server)
        expect(result.stderr).toContain(`sslmode=${mode} does not check the database server's certificate (libpq's meaning), and falls back to a plain connection when the server has no TLS: whoever answers in its place would be sent the password. Use sslmode=verify-full`)
      }
    }
  })

  maybe('sslmode=require encrypts without checking the certificate (a self-signed one passes), unless sslrootcert is given', async () => {
    const result = await load(tls!, 'sslmode=require')
    expect(result.stderr).not.toMatch(/^Error/m)
    expect(result.code).toBe(0)
    expectNoDriverWarning(result, tls!)
    // A URL earlier READMEs advised, which pg 8 verified: it must not stop verifying without a word.
    expect(result.stderr.split('\n').filter((line) => line.includes('does not check the database server'))).toEqual([
      expect.stringMatching(/sslmode=require does not check the database server's certificate \(libpq's meaning\): whoever answers in its place would be sent the password\. Use sslmode=verify-full/),
    ])
    // With a root certificate, require checks the chain (libpq's verify-ca): a certificate of another CA fails.
    const wrongCa = await load(tls!, `sslmode=require&sslrootcert=${encodeURIComponent(otherCa)}`)
    expectOneErrorLine(wrongCa, 4, /Cannot reach PostgreSQL/)
    expectNoDriverWarning(wrongCa, tls!)
    const rightCa = await load(tls!, `sslmode=require&sslrootcert=${encodeURIComponent(tls!.certFile!)}`)
    expect(rightCa.code).toBe(0)
    expect(rightCa.stderr).not.toContain('does not check the database server')
  })

  maybe('sslmode=verify-ca and verify-full check the certificate\'s chain against sslrootcert, verify-full without one against the system\'s CAs', async () => {
    for (const mode of ['verify-ca', 'verify-full']) {
      const good = await load(tls!, `sslmode=${mode}&sslrootcert=${encodeURIComponent(tls!.certFile!)}`)
      expect(good.stderr).not.toMatch(/^Error/m)
      expect(good.stderr).not.toContain('does not check the database server')
      expect(good.code).toBe(0)
      expectNoDriverWarning(good, tls!)
      const bad = await load(tls!, `sslmode=${mode}&sslrootcert=${encodeURIComponent(otherCa)}`)
      expectOneErrorLine(bad, 4, /Cannot reach PostgreSQL/)
      expectNoDriverWarning(bad, tls!)
    }
    // verify-full without sslrootcert checks against the system's CAs, which did not sign a self-signed certificate.
    const system = await load(tls!, 'sslmode=verify-full')
    expectOneErrorLine(system, 4, /Cannot reach PostgreSQL/)
    expectNoDriverWarning(system, tls!)
    // verify-ca without a CA of its own would trust any certificate a public CA signed for anyone: refused up front.
    const noCa = await load(tls!, 'sslmode=verify-ca')
    expectOneErrorLine(noCa, 2, /sslmode=verify-ca .*sslrootcert/)
    expectNoDriverWarning(noCa, tls!)
  })

  maybe('sslmode=disable connects without TLS', async () => {
    const result = await load(plain!, 'sslmode=disable')
    expect(result.code).toBe(0)
    expectNoDriverWarning(result, plain!)
  })
})
