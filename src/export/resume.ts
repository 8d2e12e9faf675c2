/**
 * The resume command of an export, in its own module: `report` names it in a warning about an unfinished export,
 * and must not load the export's HTTP client (got, p-retry: ~65 ms of start-up) for that.
 */
import {normalizeHost} from '../api/host.js'
import {DEFAULT_HOST} from './default-host.js'
import type {ExportOptions} from './index.js'
import {formatInstant} from './windows.js'

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`
}

/**
 * The command that picks up where this run stopped (never with the token: it comes from the environment). An
 * export of several ranges (run --history) has no `export` command line: the same command resumes it.
 */
export function resumeCommand(options: Pick<ExportOptions, 'host' | 'orgId' | 'sharedOrgIds' | 'range' | 'outDir' | 'extraRanges' | 'demo'>): string {
  if ((options.extraRanges?.length ?? 0) > 0) return 'the same command with the same --out, on the same UTC day (it reuses these jobs)'
  const window = ['--start', formatInstant(options.range.start), '--end', formatInstant(options.range.end), '--out', options.outDir]
  // The demo's simulator and its host stopped with the run; --demo starts a new one (and needs no ids).
  if (options.demo) return ['cci-usage', 'export', '--demo', ...window].map(shellQuote).join(' ')
  const args = ['cci-usage', 'export', '--org-id', options.orgId]
  for (const shared of options.sharedOrgIds) args.push('--shared-org-id', shared)
  args.push(...window)
  if (normalizeHost(options.host) !== DEFAULT_HOST) args.push('--host', options.host)
  return args.map(shellQuote).join(' ')
}
