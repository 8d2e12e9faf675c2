/** `cci-usage help` as users type it (the built CLI, spawned): oclif's help plugin must be registered. */
import {isBuilt, runCli} from '../helpers/cli.js'

describe('cci-usage help', () => {
  beforeAll(() => {
    if (!isBuilt('run')) throw new Error('dist/ is not built: run `npm run build` first')
  })

  it('lists every command, exit 0', async () => {
    const result = await runCli(['help'])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    for (const command of ['export', 'report', 'run', 'notify']) expect(result.stdout).toMatch(new RegExp(`^\\s+${command}\\s+\\S`, 'm'))
  })

  it('shows one command\'s help, the same as --help', async () => {
    const viaHelp = await runCli(['help', 'report'])
    const viaFlag = await runCli(['report', '--help'])
    expect(viaHelp.code).toBe(0)
    expect(viaHelp.stdout).toContain('$ cci-usage report')
    expect(viaHelp.stdout).toBe(viaFlag.stdout)
  })

  it('exits 2 for an unknown command, in one line naming the commands, as `cci-usage nonexistent` does', async () => {
    const result = await runCli(['help', 'nonexistent'])
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    // oclif's own error was wrapped over " ›" lines and named no command.
    expect(result.stderr).toBe('Error: command nonexistent not found: the commands are export, load, notify, report, run (see cci-usage help).\n')
    expect(result.stderr).toBe((await runCli(['nonexistent'])).stderr)
  })

  it('exits 2 for a word after a command, in one line pointing to its help', async () => {
    const result = await runCli(['help', 'report', 'usage.csv'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^Error: cci-usage report takes only flags, not the argument "usage\.csv"[^\n]*cci-usage report --help\)\.\n$/)
  })

  it('report and notify --help name what they write and every exit code they return, as the README does', async () => {
    const report = await runCli(['report', '--help'])
    expect(report.code).toBe(0)
    // report writes the charts and report.html too (README "What you get"), and --flaky-tests without a token is exit 3.
    for (const file of ['summary.json', 'by-job.csv', 'report.html']) expect(report.stdout).toContain(file)
    expect(report.stdout).toMatch(/Exit codes:[^]*\b3\s/)
    const notify = await runCli(['notify', '--help'])
    expect(notify.code).toBe(0)
    expect(notify.stdout).toMatch(/Exit codes: 0\s[^]*\b2\s[^]*\b6\s/)
    // Help text is wrapped by oclif; a hard line break mid-sentence leaves a ragged line ("change\nvs the previous").
    expect(notify.stdout).not.toMatch(/change\s*\n\s*vs the previous window/)
  })
})
