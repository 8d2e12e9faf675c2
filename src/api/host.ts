import {BadInputError} from '../core/errors.js'
import {safeForCredentials, SECURE_URL_RULE} from '../core/secure-url.js'

/**
 * Checks --host early, so a typo fails with one clear line instead of a network error. Its own module (client.ts
 * re-exports it): checking --host must not load the HTTP client (got, p-retry: ~65 ms of `report`'s start-up,
 * which needs it only with --flaky-tests).
 */
export function normalizeHost(host: string): string {
  let url: URL
  try {
    url = new URL(host)
  } catch {
    throw new BadInputError('E_BAD_HOST', `--host ${quoted(host)} is not a URL; use e.g. https://circleci.com.`)
  }
  if (!safeForCredentials(url)) {
    throw new BadInputError('E_BAD_HOST', `--host ${quoted(host)} must start with https:// (e.g. https://circleci.com; ${SECURE_URL_RULE}), as the token is sent to it.`)
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new BadInputError('E_BAD_HOST', '--host must be a plain origin like https://circleci.com (no credentials, query or fragment).')
  }
  // The API's paths are added to it: https://circleci.com/api/v2 would be asked for /api/v2/api/v2/..., a 404 that
  // reads like a wrong --org-id.
  if (url.pathname !== '/') {
    throw new BadInputError('E_BAD_HOST', `--host ${quoted(host)} has a path: give the origin alone, like https://circleci.com (the paths of the API are added to it).`)
  }
  return url.toString().replace(/\/+$/, '')
}

/**
 * The value as the messages above quote it. What comes before an @ may be user:password, and the patterns that
 * redact a URL's password need a well-formed scheme://user:password@ (not `user:pw@host` without its scheme, nor
 * a password holding a / or a second @), so it is never shown.
 */
function quoted(host: string): string {
  return host.replace(/^([a-z][a-z0-9+.-]*:\/\/)?.*@/is, (_match, scheme: string | undefined) => `${scheme ?? ''}[redacted]@`)
}
