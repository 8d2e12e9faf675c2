/**
 * Tokens go out in request headers, so over plain http anyone on the path reads them. http is kept for this
 * machine only: the built-in simulator and the test servers listen on 127.0.0.1.
 */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost'])

export const SECURE_URL_RULE = 'http:// only for 127.0.0.1, ::1 or localhost'

/** https anywhere, http only to a loopback host; false for any other scheme. */
export function safeForCredentials(url: URL): boolean {
  if (url.protocol === 'https:') return true
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)
}
