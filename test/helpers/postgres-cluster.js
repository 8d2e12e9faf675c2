/**
 * A throwaway PostgreSQL server for the tests and the load benchmark: Debian's `postgresql` binaries (initdb,
 * pg_ctl from PATH or /usr/lib/postgresql/<version>/bin), a cluster in a temporary folder, listening only on
 * 127.0.0.1 on a free port, with a password (scram-sha-256) so that a wrong password is really refused. initdb
 * refuses to run as root, so as root the cluster belongs to the `postgres` user (or `nobody`) via runuser.
 * Plain JavaScript so that bench/load.js can use it too.
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

/** The folder holding initdb and pg_ctl, or null. */
export function findPostgresBin() {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir
  }
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return null
  const versions = readdirSync(root).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a))
  for (const version of versions) {
    const dir = join(root, version, 'bin')
    if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir
  }
  return null
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** The unprivileged account the server runs as when we are root. */
function serverAccount() {
  for (const name of ['postgres', 'nobody']) {
    const result = spawnSync('id', ['-u', name], {encoding: 'utf8'})
    if (result.status === 0) {
      const gid = spawnSync('id', ['-g', name], {encoding: 'utf8'}).stdout.trim()
      return {name, uid: Number(result.stdout.trim()), gid: Number(gid)}
    }
  }
  throw new Error('running as root, but there is no postgres or nobody user to run PostgreSQL as')
}

/**
 * Starts a server. Returns {host, port, user, password, database, url(overrides), sql(text), stop()}.
 * `settings` are extra postgres -c options. With `tls`, the server also accepts TLS with a self-signed certificate
 * for 127.0.0.1 and localhost (openssl makes it), whose PEM file is `certFile`.
 */
export async function startPostgres({settings = {}, tls = false} = {}) {
  const bin = findPostgresBin()
  if (!bin) throw new Error('PostgreSQL binaries (initdb, pg_ctl) not found: apt-get install postgresql')
  const root = mkdtempSync(join(tmpdir(), 'cci-usage-pg-'))
  const data = join(root, 'data')
  const user = 'cci_test'
  const password = 'pg-Secret-Pa55word-never-print'
  const asRoot = process.getuid?.() === 0
  const account = asRoot ? serverAccount() : null
  const run = (command, args) => {
    const [file, argv] = account ? ['runuser', ['-u', account.name, '--', join(bin, command), ...args]] : [join(bin, command), args]
    return execFileSync(file, argv, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], cwd: root})
  }
  const passwordFile = join(root, 'password')
  writeFileSync(passwordFile, password + '\n')
  chmodSync(root, 0o700)
  if (account) {
    chownSync(root, account.uid, account.gid)
    chownSync(passwordFile, account.uid, account.gid)
  }
  run('initdb', ['-D', data, '-U', user, '--auth=scram-sha-256', `--pwfile=${passwordFile}`, '--no-sync', '-E', 'UTF8', '--locale=C'])
  const certFile = join(root, 'server.crt')
  const keyFile = join(root, 'server.key')
  if (tls) {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], {stdio: 'ignore'})
    // The server refuses a key that others can read.
    chmodSync(keyFile, 0o600)
    if (account) {
      chownSync(keyFile, account.uid, account.gid)
      chownSync(certFile, account.uid, account.gid)
    }
  }
  const port = await freePort()
  const options = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: root,
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    ...(tls ? {ssl: 'on', ssl_cert_file: certFile, ssl_key_file: keyFile} : {}),
    ...settings,
  }
  const optionText = Object.entries(options).map(([key, value]) => `-c ${key}=${value}`).join(' ')
  run('pg_ctl', ['-D', data, '-o', optionText, '-l', join(root, 'server.log'), '-w', '-t', '60', 'start'])
  const host = '127.0.0.1'
  const database = 'postgres'
  const url = (overrides = {}) => {
    const parts = {user, password, host, port, database, ...overrides}
    const query = parts.query ? `?${parts.query}` : ''
    return `postgres://${encodeURIComponent(parts.user)}:${encodeURIComponent(parts.password)}@${parts.host}:${parts.port}/${parts.database}${query}`
  }
  let stopped = false
  return {
    host,
    port,
    user,
    password,
    database,
    bin,
    url,
    certFile: tls ? certFile : undefined,
    /** Runs SQL with psql and returns its unaligned, tuples-only output. */
    sql(text) {
      const psql = existsSync(join(bin, 'psql')) ? join(bin, 'psql') : 'psql'
      return execFileSync(psql, ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', text, url()], {encoding: 'utf8'}).trim()
    },
    async stop() {
      if (stopped) return
      stopped = true
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'])
      } finally {
        rmSync(root, {recursive: true, force: true})
      }
    },
  }
}
