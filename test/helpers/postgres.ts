/**
 * A real PostgreSQL for the load tests (postgres-cluster.js starts it in a temporary folder on 127.0.0.1).
 * Outside CI the tests skip with a note when Debian's postgresql binaries are absent; in CI (CI set) they fail,
 * since .ci/run installs them.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {isBuilt} from './cli.js'
import {findPostgresBin, startPostgres, type PostgresServer} from './postgres-cluster.js'
import {haveGoldenExport} from './repo.js'

export type {PostgresServer} from './postgres-cluster.js'

export async function startTestPostgres(what: string, options: {tls?: boolean} = {}): Promise<PostgresServer | null> {
  if (!findPostgresBin()) {
    if (process.env.CI) throw new Error(`${what} needs PostgreSQL (initdb, pg_ctl): .ci/run installs Debian's postgresql package`)
    console.log(`Skipping ${what}: PostgreSQL binaries (initdb, pg_ctl) not found; apt-get install postgresql.`)
    return null
  }
  return startPostgres(options)
}

/**
 * One test PostgreSQL and one temporary folder for a suite of `load` tests: started before the suite, stopped and
 * removed after it. `maybe` runs a test only when the server is up, the CLI built and the golden export there
 * (without them the suite skips with the note startTestPostgres or haveGoldenExport prints; in CI it fails).
 */
export function postgresLoadSuite(what: string, tempPrefix: string): {
  maybe: (name: string, fn: () => Promise<void>, timeout?: number) => void
  readonly server: PostgresServer
  readonly work: string
  /** A text column of the row of `jobId`, as the exact bytes (base64 through psql, so no client decoding can hide a change). */
  stored: (table: string, column: string, jobId: string) => string
} {
  const ready = isBuilt('load') && haveGoldenExport(what)
  const state: {server: PostgresServer | null; work: string} = {server: null, work: ''}
  beforeAll(async () => {
    if (!ready) return
    state.server = await startTestPostgres(what)
    state.work = mkdtempSync(join(tmpdir(), tempPrefix))
  }, 120_000)
  afterAll(async () => {
    await state.server?.stop()
    if (state.work) rmSync(state.work, {recursive: true, force: true})
  })
  return {
    maybe: (name, fn, timeout) =>
      it(name, async () => {
        if (!ready || !state.server) return
        await fn()
      }, timeout),
    get server() {
      return state.server as PostgresServer
    },
    get work() {
      return state.work
    },
    stored: (table, column, jobId) => {
      const base64 = (state.server as PostgresServer).sql(`SELECT encode(convert_to(${column}, 'UTF8'), 'base64') FROM public.${table} WHERE job_id = '${jobId}'`)
      return Buffer.from(base64.replace(/\s/g, ''), 'base64').toString('utf8')
    },
  }
}
