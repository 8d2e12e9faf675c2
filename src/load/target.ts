/**
 * `--to` / `--load-to` / CCI_USAGE_LOAD_TO: where a load goes. A Postgres URL carries a password, so the
 * whole value and the password are registered as secrets the moment they are read, and everything the CLI
 * prints names the target by `display`, which has no password.
 */
import {resolve} from 'node:path'

import {BadInputError} from '../core/errors.js'
import {registerSecret} from '../core/secrets.js'
import {DEFAULT_SCHEMA, DEFAULT_TABLE} from './ddl.js'

/** The URL's TLS parameters, which this tool turns into the driver's TLS options itself (postgres.ts). */
export interface PostgresTls {
  /** libpq's sslmode, or pg's `no-verify`; absent when the URL names none. */
  mode?: string
  rootcert?: string
  cert?: string
  key?: string
}

export interface PostgresTarget {
  kind: 'postgres'
  /** What pg connects with: the URL without this tool's own parameters (schema, table) nor the TLS ones. Secret. */
  connectionString: string
  /** The URL's connect_timeout as libpq reads it: seconds, at least 2, 0 for no limit; absent: this tool's default. */
  connectTimeoutSeconds?: number
  /** Absent when the URL has no TLS parameter: the driver's defaults (PGSSLMODE) apply. */
  tls?: PostgresTls
  schema: string
  table: string
  /** postgres://user@host:port/db table schema.table, never the password. */
  display: string
}

export interface LakeTarget {
  kind: 'parquet' | 'focus'
  dir: string
  display: string
}

export type LoadTarget = PostgresTarget | LakeTarget

/** The environment variable `load --to` and `run --load-to` fall back to. */
export const LOAD_TO_VARIABLE = 'CCI_USAGE_LOAD_TO'

const LAKE_TARGET = /^(parquet|focus):(.*)$/s

const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify']
/**
 * Parameters passed on to pg; schema and table are this tool's own, and the TLS ones are read here and given to pg
 * as options: pg 8 reads prefer, require and verify-ca as verify-full, and says so in a multi-line warning on stderr.
 */
const PASSED_PARAMETERS = new Set(['connect_timeout', 'application_name', 'options'])
const TLS_PARAMETERS = new Set(['sslmode', 'sslrootcert', 'sslcert', 'sslkey'])
const OWN_PARAMETERS = new Set(['schema', 'table'])

const USAGE = 'postgres://user:password@host:5432/db?sslmode=verify-full&schema=analytics&table=circleci_usage, parquet:DIR or focus:DIR'

function badTarget(source: string, reason: string): BadInputError {
  return new BadInputError('E_BAD_TARGET', `${source} ${reason}: give ${USAGE}.`)
}

/** @param source how messages name where the value came from, e.g. "--to" or "CCI_USAGE_LOAD_TO". */
export function parseTarget(value: string, source = '--to'): LoadTarget {
  registerTargetValue(value)
  const text = value.trim()
  const lake = LAKE_TARGET.exec(text)
  if (lake) {
    const dir = lake[2].trim()
    if (dir === '') throw badTarget(source, `names no folder after "${lake[1]}:"`)
    return {kind: lake[1] as 'parquet' | 'focus', dir: resolve(dir), display: `${lake[1]}:${dir}`}
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase()
  if (scheme !== 'postgres' && scheme !== 'postgresql') {
    throw badTarget(source, scheme ? `uses the scheme "${scheme}", which this tool cannot load into` : 'is not a target')
  }
  // libpq would take the host from PGHOST or a `host=` parameter (a Unix socket's folder); this tool names the
  // target, and checks a certificate's host name, by the URL's host, so the URL must name it.
  const noHost = 'names no host (PGHOST is not read; for a Unix socket give its folder percent-encoded as the host, e.g. postgres://user:password@%2Fvar%2Frun%2Fpostgresql/db)'
  if (/^[a-z][a-z0-9+.-]*:\/\/([^/?#]*@)?([/?#]|$)/i.test(text)) throw badTarget(source, noHost)
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw badTarget(source, 'is not a valid URL (check the host and a port of at most 65535, and percent-encode special characters in the password, e.g. @ as %40)')
  }
  registerSecret(url.password)
  registerSecret(safeDecode(url.password))
  if (url.hostname === '') throw badTarget(source, noHost)
  const database = safeDecode(url.pathname.replace(/^\//, ''))
  if (database.includes('/')) throw badTarget(source, 'has a path that is not a database name')
  const params = url.searchParams
  for (const key of params.keys()) {
    if (!PASSED_PARAMETERS.has(key) && !TLS_PARAMETERS.has(key) && !OWN_PARAMETERS.has(key)) {
      throw badTarget(source, `has an unknown parameter "${key}" (known: ${[...OWN_PARAMETERS, ...TLS_PARAMETERS, ...PASSED_PARAMETERS].join(', ')})`)
    }
  }
  const sslmode = params.get('sslmode')
  if (sslmode !== null && !SSL_MODES.includes(sslmode)) {
    throw badTarget(source, `has sslmode=${sslmode}, which is not one of ${SSL_MODES.join(', ')}`)
  }
  // libpq's verify-ca checks the chain but not the host name: against the system's public CAs that would accept
  // any certificate issued to anyone, so it needs the CA of the server's own certificate.
  if (sslmode === 'verify-ca' && !params.get('sslrootcert')) {
    throw badTarget(source, 'has sslmode=verify-ca without sslrootcert (the CA that signed the server\'s certificate; or use sslmode=verify-full)')
  }
  const tls = [...TLS_PARAMETERS].some((key) => params.has(key))
    ? {mode: sslmode ?? undefined, rootcert: params.get('sslrootcert') || undefined, cert: params.get('sslcert') || undefined, key: params.get('sslkey') || undefined}
    : undefined
  // pg hands connect_timeout to libpq in its native binding only; the JavaScript client this tool uses waits for
  // its own option, which connectPostgres sets from this.
  const timeout = params.get('connect_timeout')
  if (timeout !== null && !/^\s*-?\d+\s*$/.test(timeout)) throw badTarget(source, `has connect_timeout=${timeout}, which is not a whole number of seconds`)
  const connectTimeoutSeconds = timeout === null ? undefined : Number(timeout) <= 0 ? 0 : Math.max(2, Number(timeout))
  const schema = params.get('schema') ?? DEFAULT_SCHEMA
  const table = params.get('table') ?? DEFAULT_TABLE
  if (schema === '' || table === '') throw badTarget(source, 'has an empty schema or table')
  const connection = new URL(url.toString())
  for (const key of [...OWN_PARAMETERS, ...TLS_PARAMETERS]) connection.searchParams.delete(key)
  const connectionString = connection.toString()
  if (url.password !== '') registerSecret(connectionString)
  const user = safeDecode(url.username)
  const port = url.port === '' ? '5432' : url.port
  return {
    kind: 'postgres',
    connectionString,
    ...(connectTimeoutSeconds === undefined ? {} : {connectTimeoutSeconds}),
    ...(tls ? {tls} : {}),
    schema,
    table,
    display: `postgres://${user ? `${user}@` : ''}${url.hostname}:${port}/${database} table ${schema}.${table}`,
  }
}

/**
 * Registers a target given on the command line or in the environment before anything parses it, so that even
 * an error about another flag cannot print it.
 */
export function registerTargetSecrets(argv: readonly string[], env: NodeJS.ProcessEnv, variable: string): void {
  registerTargetValue(env[variable])
  argv.forEach((arg, index) => {
    if (arg.startsWith('--to=') || arg.startsWith('--load-to=')) registerTargetValue(arg.slice(arg.indexOf('=') + 1))
    if ((arg === '--to' || arg === '--load-to') && index + 1 < argv.length) registerTargetValue(argv[index + 1])
  })
}

/** scheme://user:PASSWORD@ as written, for a value that is not (yet, or ever) a valid URL. */
const WRITTEN_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^:/@]*:([^@/]*)@/i

/**
 * Anything but a folder target may hold a credential: the whole value, and its password on its own (short
 * passwords are redacted as whole tokens, see core/secrets.ts), even before the value is known to be a URL.
 * A well-formed URL without a password (the password in PGPASSWORD or ~/.pgpass) holds none: redacted whole, it
 * hid which target a failure was about ("refused the login for [redacted]").
 */
function registerTargetValue(value: string | undefined): void {
  if (value === undefined || LAKE_TARGET.test(value.trim()) || isUrlWithoutPassword(value.trim())) return
  registerSecret(value)
  registerSecret(value.trim())
  const password = WRITTEN_PASSWORD.exec(value.trim())?.[1]
  registerSecret(password)
  if (password !== undefined) registerSecret(safeDecode(password))
}

function isUrlWithoutPassword(text: string): boolean {
  try {
    return new URL(text).password === '' && WRITTEN_PASSWORD.exec(text) === null
  } catch {
    return false
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
