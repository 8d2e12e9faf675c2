/**
 * The statistics lines under the Markdown table (and the terminal one) put names and figures on one line. A
 * right-to-left name there draws the figures after it into its run: GitHub shows "top project: פרויקט (367,190,
 * 69.0%)" with the figures before the name, and "top movers: a +1, b -2" with a figure beside the wrong name.
 */
import {renderMarkdown} from '../../src/report/render.js'
import {makeSummary} from '../charts/fixtures.js'

const LRM = '\u200E'

describe('right-to-left names in the Markdown statistics', () => {
  const summary = makeSummary({projects: 3, names: ['פרויקט', 'web', 'مشروع'], comparison: true})
  summary.anomalies = [{day: '2024-11-12', scope: 'project', name: 'مشروع', credits: 86_363, baseline: 3113, ratio: 27.7}]
  const lines = renderMarkdown(summary).split('\n')
  const line = (prefix: string): string => {
    const found = lines.find((text) => text.startsWith(prefix))
    if (found === undefined) throw new Error(`no line starting with ${prefix}`)
    return found
  }

  test('each right-to-left name ends its run before the figures that follow it', () => {
    expect(line('- Projects with usage')).toContain(`top project: פרויקט${LRM} \\(`)
    expect(line('- Change vs previous window')).toMatch(new RegExp(`top movers: .*פרויקט${LRM} \\\\?[+−-]`))
    expect(line('  - 2024-11-12 project')).toContain(`project مشروع${LRM}: 86,363 credits`)
  })

  test('left-to-right names and the tables carry no mark', () => {
    expect(lines.join('\n')).not.toMatch(/web\u200E/)
    expect(lines.filter((text) => text.startsWith('|')).join('\n')).not.toContain(LRM)
  })
})
