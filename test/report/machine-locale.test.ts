/**
 * The machine's locale (LANG, LC_ALL) changes nothing a report writes. Savings ties (equal credits per week) were
 * ordered by localeCompare, which follows the locale: under sv_SE "ä" sorts after "z", so the same export listed
 * its rightsizing changes in another order in summary.json, report.html and the Markdown on a Swedish machine.
 */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from '@jest/globals'

import {isBuilt, runCli} from '../helpers/cli.js'
import {exportCsv, job, tempDir, writeFixture} from './fixtures.js'

/** Five quiet runs of the same job on `large` in each project: three downsizes saving the same credits per week. */
function tiedDownsizes(projects: string[]): string {
  let id = 0
  const runs = projects.flatMap((project) =>
    Array.from({length: 5}, () =>
      job({
        PROJECT_NAME: project,
        JOB_ID: `job-${++id}`,
        RESOURCE_CLASS: 'large',
        MEDIAN_CPU_UTILIZATION_PCT: 10,
        MAX_CPU_UTILIZATION_PCT: 20,
        MEDIAN_RAM_UTILIZATION_PCT: 10,
        MAX_RAM_UTILIZATION_PCT: 20,
        COMPUTE_CREDITS: 20,
        TOTAL_CREDITS: 20,
      }),
    ),
  )
  return exportCsv(runs)
}

describe('a report on machines with different locales', () => {
  const built = isBuilt('report')
  const maybe = built ? it : it.skip
  if (!built) console.log('Skipping spawned CLI tests: run `npm run build` first.')

  maybe('writes the same summary.json, report.html and Markdown', async () => {
    const dir = tempDir()
    const input = writeFixture(dir, 'usage.csv', tiedDownsizes(['zeta', 'äpp', 'ärm']))
    const outputs = async (locale: string) => {
      const out = join(dir, locale)
      const result = await runCli(['report', '--input', input, '--out', out, '--format', 'markdown'], {LANG: locale, LC_ALL: locale})
      expect(result.code).toBe(0)
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {generatedAt: string; savings: {rightsizing: {project: string}[]}}
      const withoutTime = (text: string) => text.replaceAll(summary.generatedAt, '')
      return {
        changes: summary.savings.rightsizing.map((change) => change.project),
        summary: withoutTime(readFileSync(join(out, 'summary.json'), 'utf8')),
        html: withoutTime(readFileSync(join(out, 'report.html'), 'utf8')),
        markdown: withoutTime(result.stdout),
      }
    }
    const english = await outputs('C.UTF-8')
    expect(english.changes).toHaveLength(3)
    expect(await outputs('sv_SE.UTF-8')).toEqual(english)
  })
})
