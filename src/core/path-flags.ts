import {BadInputError} from './errors.js'

/**
 * Flags that name a file or folder. Given empty (`--out ""`, `--history "$UNSET"`), a path used to mean the
 * current folder (`export` wrote usage.csv there, `run` then failed half-way with exit 1), or the flag was
 * silently dropped (`report --teams ""` reported without teams). Empty environment variables still count as
 * unset (export/flags.ts); an empty flag is a mistake the user can see and fix.
 */
const PATH_FLAGS: Readonly<Record<string, string>> = {
  out: 'a folder',
  input: 'an export file or folder',
  'previous-input': 'an export file or folder',
  teams: 'a teams file',
  budgets: 'a budgets file',
  history: 'a history folder',
  summary: 'a summary.json file',
}

/** Throws BadInputError (exit 2) for the first path flag given as empty or blank. */
export function rejectEmptyPaths(flags: Record<string, unknown>): void {
  for (const [name, what] of Object.entries(PATH_FLAGS)) {
    const value = flags[name]
    const values = Array.isArray(value) ? value : [value]
    if (values.some((item) => typeof item === 'string' && item.trim() === '')) {
      throw new BadInputError('E_EMPTY_PATH', `--${name} is empty: give ${what}, or leave the flag out.`)
    }
  }
}
