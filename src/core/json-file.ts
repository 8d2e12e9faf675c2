import {readFile} from 'node:fs/promises'

/**
 * A JSON file the tool wrote, read leniently: undefined when it is missing, unreadable or not JSON (another tool's,
 * damaged, or still being written by another run). Callers treat that as "no such file".
 */
export async function readJson<T>(path: string): Promise<T | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined)
  if (text === undefined) return undefined
  try {
    return JSON.parse(text) as T
  } catch {
    return undefined
  }
}
