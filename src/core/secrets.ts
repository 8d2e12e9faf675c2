/**
 * Tokens, passwords and presigned download URLs must never reach stdout, stderr, logs or artifacts. Every value
 * the process learns that is secret is registered here, and every line the CLI prints goes through redact().
 *
 * Two kinds of registered values: long ones (tokens, URLs: 8 characters or more) are replaced wherever they
 * appear; short ones (a database password such as "Pw9x") would, replaced everywhere, also cut ordinary words
 * and numbers apart, so they are replaced only as whole tokens (not inside a longer run of letters and digits).
 * Besides, whatever was registered or not, the password of any `scheme://user:password@` URL and any
 * `password=...` (or `password: ...`) value are replaced, so a connection string quoted by a driver's error
 * never shows its credential.
 */
import {escapeRegExp} from './escape-reg-exp.js'

const MIN_ANYWHERE = 8

const secrets = new Set<string>()
const shortSecrets = new Set<string>()

export function registerSecret(value: string | undefined | null): void {
  if (!value) return
  if (value.length >= MIN_ANYWHERE) secrets.add(value)
  else shortSecrets.add(value)
}

export function forgetSecrets(): void {
  secrets.clear()
  shortSecrets.clear()
}

// Presigned URLs carry their credential in the query string; redact any URL with a signature-like query even
// when it was never registered (for example inside an error thrown by a library).
const SIGNED_URL = /https?:\/\/[^\s"'<>]+\?[^\s"'<>]*(?:signature|sig=|x-amz-|token=|expires=|key-pair-id)[^\s"'<>]*/gi
// The same credential quoted without its scheme and host (a path and query that a storage host or a proxy echoed
// back, which then reaches a message as a part's content): the signature or session token alone is the secret.
const SIGNATURE_PARAMETER = /\b((?:x-amz-signature|x-amz-security-token|x-goog-signature|signature|sig)=)[^\s"'<>&]+/gi
// scheme://user:PASSWORD@host (any scheme: postgres, postgresql, mysql, https).
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@"'<>]*:)([^\s@/"'<>]+)@/gi
// password=..., PGPASSWORD=..., "password": "...", passwd: ... (libpq keyword strings, JSON, environment dumps).
const PASSWORD_VALUE = /\b((?:pg)?pass(?:word|wd)?["']?\s*[=:]\s*["']?)([^\s"'&;,]+)/gi
// What usage hints and examples write where a password goes (a real password that is one of these is still
// redacted when registered).
const PLACEHOLDERS = new Set(['password', 'pass', '***', '...', '[redacted]'])
// Tokens by their shape, for a value that reaches a message before anything could register it (a mistyped flag
// name, a value given as an argument): CircleCI personal and project tokens, Slack tokens, Slack webhook URLs.
const CIRCLECI_TOKEN = /\bCCIP(?:AT|RJ)_[A-Za-z0-9_]+/g
const SLACK_TOKEN = /\bxox[a-z]-[A-Za-z0-9][A-Za-z0-9-]*/g
const SLACK_WEBHOOK = /\b(?:https?:\/\/)?hooks\.slack(?:-gov)?\.com\/[^\s"'<>]+/gi
// A legacy CircleCI personal token: 40 hex digits, no prefix. Too plain a shape to redact from every message (a
// commit id has it too), so only from what quotes the command line back (see redactCommandLineWords).
const LEGACY_CIRCLECI_TOKEN = /\b[0-9a-f]{40}\b/gi

/**
 * Whether a credential's value is wrapped in quotes: `docker run --env-file` and some CI settings keep them as
 * part of the value, which no CircleCI or Slack token holds (the service then refuses it only once asked).
 */
export function wrappedInQuotes(value: string): boolean {
  return /^(["']).*\1$/s.test(value)
}

/** Whether the text holds a CircleCI or Slack token by its shape (registered or not). */
export function holdsTokenShape(text: string): boolean {
  return [CIRCLECI_TOKEN, SLACK_TOKEN].some((shape) => text.search(shape) >= 0)
}

/**
 * The flags and environment variables that hold a CircleCI or Slack credential. Their values are registered
 * before oclif parses the command line (see BaseCommand.init), since a parse error may quote them.
 */
export const SECRET_FLAGS = ['--token', '--slack-token', '--slack-webhook-url'] as const
export const SECRET_VARIABLES = ['CIRCLECI_API_TOKEN', 'CIRCLE_TOKEN', 'SLACK_ACCESS_TOKEN', 'SLACK_WEBHOOK_URL'] as const

export function registerSecretArguments(argv: readonly string[], env: NodeJS.ProcessEnv): void {
  for (const variable of SECRET_VARIABLES) registerValue(env[variable])
  argv.forEach((arg, index) => {
    for (const flag of SECRET_FLAGS) {
      if (arg.startsWith(`${flag}=`)) registerValue(arg.slice(flag.length + 1))
      if (arg === flag && index + 1 < argv.length) registerValue(argv[index + 1])
    }
  })
}

// As given and trimmed: the flags read the trimmed value, but an error may quote the raw one.
function registerValue(value: string | undefined): void {
  registerSecret(value)
  registerSecret(value?.trim())
}

/**
 * redact(), and besides any word shaped like a legacy CircleCI token: for the messages that quote the command
 * line back (an unexpected argument), where a token pasted in the wrong place is not registered by any flag.
 */
export function redactCommandLineWords(text: string): string {
  return redact(text).replace(LEGACY_CIRCLECI_TOKEN, '[redacted]')
}

export function redact(text: string): string {
  let out = text
  // Longest first, so a URL that contains a registered token is replaced whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(secret)) out = out.split(secret).join('[redacted]')
  }
  out = out
    .replace(SIGNED_URL, '[redacted-url]')
    .replace(SIGNATURE_PARAMETER, '$1[redacted]')
    .replace(SLACK_WEBHOOK, '[redacted-url]')
    .replace(CIRCLECI_TOKEN, '[redacted]')
    .replace(SLACK_TOKEN, '[redacted]')
    .replace(URL_PASSWORD, (match, prefix: string, password: string) => (PLACEHOLDERS.has(password.toLowerCase()) ? match : `${prefix}[redacted]@`))
    .replace(PASSWORD_VALUE, (match, prefix: string, password: string) => (PLACEHOLDERS.has(password.toLowerCase()) ? match : `${prefix}[redacted]`))
  for (const secret of [...shortSecrets].sort((a, b) => b.length - a.length)) {
    if (!out.includes(secret)) continue
    out = out.replace(new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(secret)}(?![\\p{L}\\p{N}])`, 'gu'), '[redacted]')
  }
  return out
}
