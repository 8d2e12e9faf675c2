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
    throw new BadInputError('E_BAD_HOST', `--host ${host} is not a URL; use e.g. https://circleci.com.`)
  }
  if (!safeForCredentials(url)) {
    throw new BadInputError('E_BAD_HOST', `--host ${host} must start with https:// (e.g. https://circleci.com; ${SECURE_URL_RULE}), as the token is sent to it.`)
  }
  if (url.username || url.password || url.search) {
    throw new BadInputError('E_BAD_HOST', '--host must be a plain origin like https://circleci.com (no credentials or query).')
  }
  return url.toString().replace(/\/+$/, '')
}
