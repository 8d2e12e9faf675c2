/** The orb's discover_shared_orgs parameter reaches `cci-usage run` as --discover-shared-orgs, and only when on. */
import {spawnSync} from 'node:child_process'
import {chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {Parser} from '@oclif/core'

import RunCommand from '../../src/commands/run.js'
import {section} from '../orb/orb-model.js'
import {repoRoot} from '../orb/pack.js'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'cci-usage-orb-discover-'))
  writeFileSync(path.join(dir, 'cci-usage'), '#!/bin/bash\nprintf "%s\\0" "$@" > "$RECORD"\n')
  chmodSync(path.join(dir, 'cci-usage'), 0o755)
})
afterAll(() => rmSync(dir, {recursive: true, force: true}))

function argvWith(value: string | undefined): string[] {
  const record = path.join(dir, `argv-${value}`)
  const env: Record<string, string> = {PATH: `${dir}:${process.env.PATH}`, HOME: dir, RECORD: record, PARAM_DEMO: 'true'}
  if (value !== undefined) env.PARAM_DISCOVER_SHARED_ORGS = value
  const result = spawnSync('bash', [path.join(repoRoot, 'orb/src/scripts/generate.sh')], {encoding: 'utf8', env})
  expect(result.status).toBe(0)
  return readFileSync(record, 'utf8').split('\0').slice(0, -1)
}

describe('orb discover_shared_orgs', () => {
  it('is a boolean parameter of the generate command and the report job, off by default, passed to the script', () => {
    for (const component of [section('commands').generate, section('jobs').report]) {
      expect(component.parameters!.discover_shared_orgs).toMatchObject({type: 'boolean', default: false})
    }
    expect(JSON.stringify(section('commands').generate.steps)).toContain('"PARAM_DISCOVER_SHARED_ORGS":"<< parameters.discover_shared_orgs >>"')
  })

  it.each([['1', true], ['true', true], ['0', false], ['false', false], [undefined, false]])('maps %s to the flag: %s', async (value, expected) => {
    const argv = argvWith(value)
    expect(argv.includes('--discover-shared-orgs')).toBe(expected)
    const {flags} = await Parser.parse(argv.slice(1), {flags: RunCommand.flags, strict: true})
    expect(flags['discover-shared-orgs']).toBe(expected)
  })
})
