/**
 * One spelling of the date flags: --start/--end on every command with a window (report keeps --since/--until as
 * aliases), and no fixed calendar date in help or the README's commands, since the Usage API refuses a start
 * more than 366 days back and a fixed date in an example turns into an error a year later.
 */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {isBuilt, runCli} from '../helpers/cli.js'
import {REPO_ROOT} from '../helpers/repo.js'
import {exportCsv, job, tempDir, writeFixture} from '../report/fixtures.js'

type ManifestFlag = {name: string; description?: string; aliases?: string[]}
type ManifestCommand = {description?: string; summary?: string; examples?: (string | {description: string; command: string})[]; flags: Record<string, ManifestFlag>}
const FIXED_DATE = /\b\d{4}-\d{2}-\d{2}\b/

let commands: Record<string, ManifestCommand>
beforeAll(() => {
  if (!isBuilt('report')) throw new Error('dist/ is not built: run `npm run build` first')
  commands = (JSON.parse(readFileSync(join(REPO_ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, ManifestCommand>}).commands
})

describe('date flags', () => {
  it('are --start/--end on every command with a window; report also takes --since/--until as aliases', () => {
    for (const id of ['export', 'run', 'report']) {
      expect({id, flags: ['start', 'end'].filter((flag) => flag in commands[id].flags)}).toEqual({id, flags: ['start', 'end']})
      expect({id, old: ['since', 'until'].filter((flag) => flag in commands[id].flags)}).toEqual({id, old: []})
    }
    expect(commands.report.flags.start.aliases).toEqual(['since'])
    expect(commands.report.flags.end.aliases).toEqual(['until'])
  })

  it('appear in no help text, example or README command as a fixed calendar date', () => {
    const found: string[] = []
    for (const [id, command] of Object.entries(commands)) {
      const texts = [command.summary, command.description, ...Object.values(command.flags).map((flag) => flag.description)]
      for (const example of command.examples ?? []) texts.push(...(typeof example === 'string' ? [example] : [example.description, example.command]))
      for (const text of texts) if (text && FIXED_DATE.test(text)) found.push(`${id}: ${text}`)
    }
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')
    for (const block of readme.matchAll(/^```(?:sh|bash|console)\n([\s\S]*?)^```/gm)) {
      for (const line of block[1].split('\n')) if (FIXED_DATE.test(line)) found.push(`README: ${line}`)
    }
    expect(found).toEqual([])
  })

  it('report reads --since/--until as --start/--end, and names the flag as typed in errors', async () => {
    const dir = tempDir()
    const input = writeFixture(dir, 'usage.csv', exportCsv([job({JOB_RUN_DATE: '2024-11-10', TOTAL_CREDITS: 1}), job({JOB_RUN_DATE: '2024-11-12', TOTAL_CREDITS: 2})]))
    const totals = async (args: string[]) => {
      const result = await runCli(['report', '--input', input, '--out', join(dir, 'out'), '--json', ...args])
      expect(result.code).toBe(0)
      return (JSON.parse(result.stdout) as {totals: {credits: {total: number}}; window: unknown}).totals.credits.total
    }
    expect(await totals(['--start', '2024-11-11', '--end', '2024-11-12'])).toBe(2)
    expect(await totals(['--since', '2024-11-11', '--until', '2024-11-12'])).toBe(2)
    expect(await totals(['--since=2024-11-10', '--until=2024-11-10'])).toBe(1)
    for (const flag of ['start', 'since', 'end', 'until']) {
      const result = await runCli(['report', '--input', input, '--out', join(dir, 'out'), `--${flag}`, '2024-13-01'])
      expect({flag, code: result.code}).toEqual({flag, code: 2})
      expect(result.stderr).toContain(`--${flag} 2024-13-01 is not a date`)
    }
  })
})
