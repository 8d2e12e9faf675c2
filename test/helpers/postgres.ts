/**
 * A real PostgreSQL for the load tests (postgres-cluster.js starts it in a temporary folder on 127.0.0.1).
 * Outside CI the tests skip with a note when Debian's postgresql binaries are absent; in CI (CI set) they fail,
 * since .ci/run installs them.
 */
import {findPostgresBin, startPostgres, type PostgresServer} from './postgres-cluster.js'

export type {PostgresServer} from './postgres-cluster.js'

export async function startTestPostgres(what: string, options: {tls?: boolean} = {}): Promise<PostgresServer | null> {
  if (!findPostgresBin()) {
    if (process.env.CI) throw new Error(`${what} needs PostgreSQL (initdb, pg_ctl): .ci/run installs Debian's postgresql package`)
    console.log(`Skipping ${what}: PostgreSQL binaries (initdb, pg_ctl) not found; apt-get install postgresql.`)
    return null
  }
  return startPostgres(options)
}
