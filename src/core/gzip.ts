/** True for zlib's complaints about a gzip stream: cut short, bad header, bad CRC or length in the trailer. */
export function isZlibError(error: unknown): boolean {
  const code = (error as {code?: unknown})?.code
  return (typeof code === 'string' && code.startsWith('Z_')) || /unexpected end of file|incorrect (header|data|length) check/i.test(String(error))
}
