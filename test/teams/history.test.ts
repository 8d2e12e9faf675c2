/**
 * `report --history DIR --teams FILE` without an export: each team still gets its own Summary, page and entry in
 * summary.teams, the same as the report of the export made for that team (the history's rollup rows stand in for
 * the export, as they do for the organization's report).
 */
import {readFileSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {Summary} from '../../src/analysis/summary.js'
import {generateReport} from '../../src/report/index.js'
import {GOLDEN_EXPORT, haveGoldenExport} from '../helpers/repo.js'
import {writeFixture} from '../report/fixtures.js'

const maybe = haveGoldenExport('the per-team report from a history') ? describe : describe.skip
const clock = () => new Date('2024-11-25T12:00:00Z')

const TEAMS_YAML = ['teams:', '  core: [determined, "det*"]', '  pipelines: [pachyderm, "haber*"]', '  ml: [lore, aioli]', ''].join('\n')

maybe('a report made from a history alone, with a teams file', () => {
  let dir: string
  let teamsFile: string
  let fromExport: Awaited<ReturnType<typeof generateReport>>
  let offline: Awaited<ReturnType<typeof generateReport>>

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cci-teams-history-'))
    teamsFile = writeFixture(dir, 'teams.yml', TEAMS_YAML)
    const filters = {since: '2024-11-11', until: '2024-11-17'}
    const update = {organizations: ['golden'], windows: [{start: '2024-11-10T00:00:00.000Z', end: '2024-11-19T00:00:00.000Z', createdAt: '2025-03-27T20:19:55.000Z'}]}
    fromExport = await generateReport(
      {inputs: [GOLDEN_EXPORT], outDir: join(dir, 'export'), teamsFile, filters, compare: 'previous', history: {dir: join(dir, 'history'), trendWeeks: 2, budgets: null, update}},
      {clock},
    )
    offline = await generateReport({inputs: [], outDir: join(dir, 'offline'), teamsFile, filters, compare: 'previous', history: {dir: join(dir, 'history'), trendWeeks: 2, budgets: null}}, {clock})
  })

  afterAll(async () => {
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it("lists every team with its files, the teams' credits adding up to the report's", () => {
    const teams = offline.summary.teams!
    expect(teams.map((entry) => entry.team)).toEqual(['core', 'pipelines', 'ml', 'unassigned'])
    expect(teams.map((entry) => entry.credits)).toEqual(fromExport.summary.teams!.map((entry) => entry.credits))
    expect(teams.reduce((sum, entry) => sum + BigInt(Math.round(entry.credits * 1e6)), 0n)).toBe(BigInt(Math.round(offline.summary.totals.credits.total * 1e6)))
    expect(offline.summary.totals.credits.total).toBeGreaterThan(0)
    for (const entry of teams) expect(offline.files).toContain(entry.summary)
  })

  it("gives each team the figures of the export's team report", () => {
    const strip = ({generatedAt: _g, input: _i, savings: _s, artifacts: _a, ...rest}: Summary) => rest
    for (const entry of fromExport.summary.teams!) {
      const read = (out: string) => JSON.parse(readFileSync(join(dir, out, entry.summary), 'utf8')) as Summary
      expect([entry.team, strip(read('offline'))]).toEqual([entry.team, strip(read('export'))])
    }
  })
})
