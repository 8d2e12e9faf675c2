/** The test packer against what `circleci orb pack` does (see pack.ts for the source it mirrors). */
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {compiledText, packOrb} from './pack.js'

let dir: string
function write(file: string, text: string) {
  mkdirSync(path.dirname(path.join(dir, file)), {recursive: true})
  writeFileSync(path.join(dir, file), text)
}
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'cci-usage-pack-'))
})
afterEach(() => rmSync(dir, {recursive: true, force: true}))

const SCRIPT = '#!/bin/bash\nread -r -a ids <<<"$IDS"\ncat <<EOF\n<< parameters.not_a_parameter >>\nEOF\n'

describe('the test orb packer, as circleci orb pack', () => {
  it('escapes << inside an included script as \\<<, which CircleCI compiles back to the script', () => {
    write('@orb.yml', 'version: 2.1\ndescription: test\n')
    write('scripts/run.sh', SCRIPT)
    write('commands/go.yml', 'steps:\n  - run:\n      name: Go\n      command: <<include(scripts/run.sh)>>\n')
    const orb = packOrb(dir) as {commands: {go: {steps: {run: {command: string}}[]}}}
    const command = orb.commands.go.steps[0].run.command
    expect(command).toBe('#!/bin/bash\nread -r -a ids \\<<<"$IDS"\ncat \\<<EOF\n\\<< parameters.not_a_parameter >>\nEOF\n')
    expect(compiledText(command)).toBe(SCRIPT)
  })

  it('replaces includes standing inside a longer value, several in one value, with or without spaces', () => {
    write('@orb.yml', 'version: 2.1\n')
    write('scripts/a.txt', 'A')
    write('scripts/b.txt', 'B<<')
    write('jobs/j.yml', 'steps:\n  - run:\n      name: J\n      command: echo "<< include(scripts/a.txt) >>" && echo <<include(scripts/b.txt)>>!\n')
    const orb = packOrb(dir) as {jobs: {j: {steps: {run: {command: string}}[]}}}
    expect(orb.jobs.j.steps[0].run.command).toBe('echo "A" && echo B\\<<!')
  })

  it('leaves includes in examples alone (the CLI resolves jobs, commands and executors only)', () => {
    write('@orb.yml', 'version: 2.1\n')
    write('scripts/a.txt', 'A')
    write('examples/e.yml', 'description: shows <<include(scripts/a.txt)>>\nusage: {}\n')
    expect((packOrb(dir) as {examples: {e: {description: string}}}).examples.e.description).toBe('shows <<include(scripts/a.txt)>>')
  })

  it('fails on an include of a missing file, naming it', () => {
    write('@orb.yml', 'version: 2.1\n')
    write('commands/c.yml', 'steps:\n  - run:\n      name: C\n      command: <<include(scripts/missing.sh)>>\n')
    expect(() => packOrb(dir)).toThrow(/could not read included file ".*scripts\/missing\.sh"/)
  })

  it('lays out folders as the CLI does: sub-folders flatten, @ files merge, dotfiles and script folders add no key', () => {
    write('@orb.yml', 'version: 2.1\ndescription: root\n')
    write('commands/aws/login.yml', 'description: login\n')
    write('commands/build.yaml', 'description: build\n')
    write('executors/@shared.yml', 'default:\n  docker: [{image: x}]\n')
    write('jobs/.hidden.yml', 'description: hidden\n')
    write('scripts/x.sh', 'echo\n')
    write('notes.txt', 'not yaml')
    expect(packOrb(dir)).toEqual({
      version: 2.1,
      description: 'root',
      commands: {login: {description: 'login'}, build: {description: 'build'}},
      executors: {default: {docker: [{image: 'x'}]}},
    })
    write('commands/login.yml', 'description: other login\n')
    expect(() => packOrb(dir)).toThrow(/both define login/)
  })

  it('reads unquoted yes/no/on/off values as booleans (YAML 1.1), but not quoted ones, keys or y/n', () => {
    write('@orb.yml', 'version: 2.1\n')
    write('commands/c.yml', 'parameters:\n  a: {type: boolean, default: on}\n  b: {type: boolean, default: "no"}\n  on: {type: string, default: n}\nlist: [yes, Off]\n')
    expect(packOrb(dir).commands).toEqual({
      c: {
        parameters: {a: {type: 'boolean', default: true}, b: {type: 'boolean', default: 'no'}, on: {type: 'string', default: 'n'}},
        list: [true, false],
      },
    })
  })
})
