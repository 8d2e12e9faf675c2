/**
 * The export flags, shared by `export` and `run` so both read the same names and environment variables
 * (CircleCI sets CIRCLE_ORGANIZATION_ID and, by convention, CIRCLE_TOKEN in jobs).
 */
import {Flags} from '@oclif/core'

import {AuthError, BadInputError} from '../core/errors.js'
import {registerSecret, wrappedInQuotes} from '../core/secrets.js'
import {DEFAULT_HOST} from './default-host.js'
import {MONTH_WINDOWS, type DateRange} from './windows.js'

/** oclif's `env:` takes one name; these flags accept the CircleCI-native fallback too. Empty counts as unset. */
function fromEnv(...names: string[]): string | undefined {
  return envEntry(...names)?.value
}

/** The first of `names` set to something other than blanks, with its value trimmed. */
function envEntry(...names: string[]): {name: string; value: string} | undefined {
  for (const name of names) {
    const value = process.env[name]
    if (value !== undefined && value.trim() !== '') return {name, value: value.trim()}
  }
  return undefined
}

export const exportFlags = {
  'org-id': Flags.string({
    description: 'Organization id (Organization Settings > Overview). Default: $CIRCLECI_ORG_ID, else $CIRCLE_ORGANIZATION_ID.',
  }),
  token: Flags.string({
    description: 'CircleCI personal API token. Prefer the environment: $CIRCLECI_API_TOKEN, else $CIRCLE_TOKEN.',
  }),
  host: Flags.string({description: `CircleCI host, for server installs. Default: $CIRCLECI_HOST, else ${DEFAULT_HOST}.`}),
  start: Flags.string({
    description: 'First day (YYYY-MM-DD, UTC) or instant (ISO 8601 with a zone, such as YYYY-MM-DDT06:00:00Z), within the last 366 x 24 hours (a day: at most 365 days before today). Without it, the 7 days up to --end.',
  }),
  end: Flags.string({
    description: 'Last day, inclusive (YYYY-MM-DD, UTC), or an exclusive instant with a zone. A future end is capped to now; without --end, --start runs to now (today\'s usage is still arriving).',
  }),
  days: Flags.integer({description: 'The N full UTC days before today (default 7). Not with --start/--end.', min: 1}),
  month: Flags.string({
    options: [...MONTH_WINDOWS],
    description:
      'A calendar month in UTC instead of --days/--start/--end: previous (the last full month) or current (month to date: from the 1st through yesterday, as today is still arriving).',
  }),
  'shared-org-id': Flags.string({description: 'Also export an organization sharing the plan (repeatable).', multiple: true}),
  'discover-shared-orgs': Flags.boolean({
    description:
      "Ask CircleCI which organizations share the plan (a private endpoint, not in the public API) and export them too; if it fails, a warning and the --shared-org-id ids. On with --demo.",
    default: false,
  }),
  out: Flags.string({description: 'Output folder.', default: './usage-report'}),
  timeout: Flags.string({description: 'How long to wait for export jobs: 90s, 30m, 2h or seconds.', default: '30m'}),
  'keep-parts': Flags.boolean({
    description: 'Keep the downloaded gzip parts in <out>/.parts after the merge, so a rerun downloads nothing.',
    default: false,
  }),
  demo: Flags.boolean({description: 'Use the built-in Usage API simulator with generated data: no token needed; --token, --org-id, --shared-org-id and --host are ignored (its three organizations share one plan).', default: false}),
}

export interface ApiCredentials {
  host: string
  token: string
  orgId: string
}

export function credentialsFromFlags(flags: {'org-id'?: string; token?: string; host?: string}): ApiCredentials {
  // Trimmed as the variables are: `--org-id "$(cat org.txt)"` kept a Windows CR, and CircleCI answered 403, which
  // read as a refused token.
  const orgId = flags['org-id']?.trim() || fromEnv('CIRCLECI_ORG_ID', 'CIRCLE_ORGANIZATION_ID')
  if (orgId === undefined) {
    throw new BadInputError('E_NO_ORG', 'No organization id: pass --org-id or set CIRCLECI_ORG_ID (Organization Settings > Overview).')
  }
  return {...tokenAndHostFromFlags(flags, 'try --demo to run without one'), orgId}
}

/** The token and host alone (what `report --flaky-tests` needs to read Insights), from the same flags and variables. */
export function tokenAndHostFromFlags(flags: {token?: string; host?: string}, hint: string): Omit<ApiCredentials, 'orgId'> {
  // `--token "$UNSET"` is a missing token, not one to send: an empty one went to the API and came back as a
  // network failure after the retries (exit 4) or a 401, never as "no token".
  if (flags.token !== undefined && flags.token.trim() === '') {
    throw new AuthError('E_NO_TOKEN', `--token is empty: pass the token, or leave --token out and set CIRCLECI_API_TOKEN; ${hint}.`)
  }
  const given = flags.token === undefined ? envEntry('CIRCLECI_API_TOKEN', 'CIRCLE_TOKEN') : {name: '--token', value: flags.token.trim()}
  registerSecret(given?.value)
  if (given === undefined) {
    throw new AuthError('E_NO_TOKEN', `No CircleCI token: set CIRCLECI_API_TOKEN (or pass --token); ${hint}.`)
  }
  const token = given.value
  checkTokenShape(token, given.name)
  return {host: flags.host ?? fromEnv('CIRCLECI_HOST') ?? DEFAULT_HOST, token}
}

/**
 * What no CircleCI token holds, refused before it is sent (the message never quotes it): quotes around it, which
 * `docker run --env-file` and some CI settings keep as part of the value (CircleCI then answered 401, "refused"),
 * and a space or control character inside, such as the carriage return of a file saved on Windows in
 * `--token "$(cat token.txt)"` (Node refused the header: exit 4, "check --host and the network").
 */
function checkTokenShape(token: string, source: string): void {
  if (wrappedInQuotes(token)) {
    throw new AuthError('E_BAD_TOKEN', `${source} is wrapped in quotes, which are not part of a CircleCI token: remove them (docker --env-file and CI settings take a value literally).`)
  }
  // eslint-disable-next-line no-control-regex
  if (/[\s\x00-\x1f\x7f]/.test(token)) {
    throw new AuthError('E_BAD_TOKEN', `${source} holds a space, line break or other control character inside (a file saved with Windows line ends?): give the token alone, on one line.`)
  }
}

/** What `export` and `run` read from the export flags besides the credentials, in one place. */
export function exportOptionsFromFlags(
  flags: {'shared-org-id'?: string[]; 'discover-shared-orgs': boolean; out: string; 'keep-parts': boolean},
  range: DateRange,
  timeoutMs: number,
): {sharedOrgIds: string[]; discoverSharedOrgs: boolean; range: DateRange; outDir: string; timeoutMs: number; keepParts: boolean} {
  return {
    sharedOrgIds: (flags['shared-org-id'] ?? []).map((id) => id.trim()),
    discoverSharedOrgs: flags['discover-shared-orgs'],
    range,
    outDir: flags.out,
    timeoutMs,
    keepParts: flags['keep-parts'],
  }
}
