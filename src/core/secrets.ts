/**
 * Tokens and presigned download URLs must never reach stdout, stderr, logs or artifacts. Every value the
 * process learns that is secret is registered here, and every line the CLI prints goes through redact().
 */
const secrets = new Set<string>()

export function registerSecret(value: string | undefined | null): void {
  // Very short values would redact ordinary words; real tokens and URLs are long.
  if (value && value.length >= 8) secrets.add(value)
}

export function forgetSecrets(): void {
  secrets.clear()
}

// Presigned URLs carry their credential in the query string; redact any URL with a signature-like query even
// when it was never registered (for example inside an error thrown by a library).
const SIGNED_URL = /https?:\/\/[^\s"'<>]+\?[^\s"'<>]*(?:signature|sig=|x-amz-|token=|expires=|key-pair-id)[^\s"'<>]*/gi

export function redact(text: string): string {
  let out = text
  // Longest first, so a URL that contains a registered token is replaced whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(secret)) out = out.split(secret).join('[redacted]')
  }
  return out.replace(SIGNED_URL, '[redacted-url]')
}
