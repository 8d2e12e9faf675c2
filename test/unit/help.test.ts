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

  it('exits 2 for an unknown command, in one line', async () => {
    const result = await runCli(['help', 'nonexistent'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/nonexistent not found/)
  })
})
