/**
 * What a new user types wrong before any command runs: a misspelt command, or a file given as an argument
 * (`cci-usage report usage.csv`), which oclif reads as the command "report:usage.csv". Each is one line saying
 * what to type instead, exit 2 (bad input), never oclif's wrapped " ›   Error:" block.
 */
import {isBuilt, runCli} from '../helpers/cli.js'

const built = isBuilt('report')
if (!built) console.log('Skipping CLI tests: dist/ is not built (npm test builds it first).')
const maybe = built ? it : it.skip

describe('an unknown command (built CLI)', () => {
  maybe('a file given as an argument: one line naming the flag that takes it, exit 2', async () => {
    const file = '/some/where/a-rather-long-folder-name/usage-export-2024-11-10_2024-11-18.csv.gz'
    const {code, stdout, stderr} = await runCli(['report', file])
    expect(code).toBe(2)
    expect(stdout).toBe('')
    const lines = stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^Error: /)
    expect(lines[0]).toContain(`"${file}"`)
    expect(lines[0]).toContain(`--input ${file}`)
    expect(lines[0]).toContain('cci-usage report --help')
  })

  maybe('a command without --input: the argument is named, and its help', async () => {
    const {code, stderr} = await runCli(['notify', 'summary.json'])
    expect(code).toBe(2)
    const lines = stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^Error: .*"summary\.json".*cci-usage notify --help/)
    expect(lines[0]).not.toContain('--input')
  })

  maybe('a misspelt command: one line listing the commands, exit 2', async () => {
    const {code, stderr} = await runCli(['reprot', '--top', '3'])
    expect(code).toBe(2)
    const lines = stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^Error: command reprot not found/)
    for (const command of ['export', 'load', 'notify', 'report', 'run']) expect(lines[0]).toContain(command)
  })
})
