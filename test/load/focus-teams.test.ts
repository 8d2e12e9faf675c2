/**
 * load --to focus --teams tags each cost row with the team the report puts its credits under. A row without a
 * PROJECT_NAME is matched as "(none)" by the report, the chargeback and the team pages (so "unassigned", or the
 * team of a catch-all "*"); FOCUS tagged it with no team at all, so a FinOps tool summing by team found credits
 * that the chargeback file bills to a team. Found by the teams fuzz (every team's figures against a model).
 */
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import type {Summary} from '../../src/analysis/summary.js'
import {runCli} from '../helpers/cli.js'
import {field, goldenLines, microCredits, NULL_CELL, withFields, writeCsv, type Lines} from './fixtures.js'
import {lakeTestFolder, query} from './lake-read.js'

const {maybe, fresh, inWork} = lakeTestFolder('the FOCUS team tag tests', 'cci-usage-focus-teams-')

describe('load --to focus --teams', () => {
  maybe('tags every credit with the team the report gives it, rows without a project included', async () => {
    const golden = goldenLines()
    // Two rows with credits lose their project; with a catch-all, the report gives them to "rest".
    const indexes = golden.rows.flatMap((row, index) => (Number(field(row, 'TOTAL_CREDITS')) > 0 && field(row, 'PROJECT_NAME') !== 'determined' ? [index] : [])).slice(0, 2)
    const lines: Lines = {header: golden.header, rows: golden.rows.map((row, index) => (indexes.includes(index) ? withFields(row, {PROJECT_NAME: NULL_CELL}) : row))}
    const input = writeCsv(inWork('usage.csv'), lines)
    for (const [name, yaml] of [
      ['catch-all.yml', 'teams:\n  core: [determined]\n  rest: ["*"]\n'],
      ['unassigned.yml', 'teams:\n  core: [determined]\n'],
    ]) {
      const teams = inWork(name)
      writeFileSync(teams, yaml)
      const focus = fresh('focus')
      const load = await runCli(['load', '--input', input, '--to', `focus:${focus}`, '--teams', teams])
      expect(load.code).toBe(0)
      const out = fresh('report')
      const report = await runCli(['report', '--input', input, '--out', out, '--teams', teams])
      expect(report.code).toBe(0)
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary
      const byTeam = await query(
        `SELECT json_extract_string(Tags, '$.team') AS team, CAST(sum(PricingQuantity) AS VARCHAR) AS credits FROM read_parquet('${join(focus, '*', '*.parquet')}') GROUP BY 1 ORDER BY 1`,
      )
      const expected = summary.teams!.filter((entry) => entry.credits !== 0).map((entry) => ({team: entry.team, credits: BigInt(Math.round(entry.credits * 1e6))}))
      expect([name, byTeam.map((row) => ({team: row.team, credits: microCredits(String(row.credits))}))]).toEqual([name, expected.sort((a, b) => (a.team < b.team ? -1 : 1))])
    }
  })
})
