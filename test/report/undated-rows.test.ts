import {describe, expect, test} from '@jest/globals'

import {renderReportHtml} from '../../src/html/report.js'
import {renderMarkdown} from '../../src/report/render.js'
import {reportOfRows} from '../health/report.js'
import {row} from '../savings/view.js'

/**
 * Rows without a JOB_RUN_DATE (found by an independent recomputation of summary.json): the totals held their
 * credits while the day breakdown did not, and --start/--end dropped them, both without a word.
 */
const rows = () => [
  row({JOB_RUN_DATE: '2024-11-10', TOTAL_CREDITS: 10, COMPUTE_CREDITS: 10}),
  row({JOB_RUN_DATE: '2024-11-11', TOTAL_CREDITS: 20, COMPUTE_CREDITS: 20}),
  row({JOB_RUN_DATE: null, JOB_NAME: null, JOB_ID: null, TOTAL_CREDITS: 7.5, COMPUTE_CREDITS: 7.5}),
]

describe('rows without a JOB_RUN_DATE', () => {
  test('without a window: counted in the totals, not in any day, and the warning says how much', async () => {
    const summary = await reportOfRows(rows())
    expect(summary.totals.credits.total).toBe(37.5)
    expect(summary.breakdowns.day.reduce((sum, day) => sum + day.credits, 0)).toBe(30)
    expect(summary.input.warnings).toContain('1 row(s) with 7.5 credits have no JOB_RUN_DATE: they count in the totals but in no day of the day breakdown and chart.')
  })

  test('with --start/--end: left out, and the warning says so and how to count them', async () => {
    const summary = await reportOfRows(rows(), {}, {since: '2024-11-10', until: '2024-11-11'})
    expect(summary.totals.credits.total).toBe(30)
    expect(summary.input.warnings).toContain(
      '1 row(s) with 7.5 credits have no JOB_RUN_DATE: no date window can select them, so --start/--end leaves them out; report without --start/--end to count them.',
    )
  })

  test('no warning when every row has a date', async () => {
    const summary = await reportOfRows(rows().slice(0, 2))
    expect(summary.input.warnings ?? []).toEqual([])
    expect(renderReportHtml(summary, [])).not.toContain('class="warnings"')
    expect(renderMarkdown(summary)).not.toContain('Warning')
  })

  // stderr carried the warning and summary.json held it, but a reader of report.html or a Markdown job summary
  // saw totals 7.5 credits above the day chart's and nothing saying why.
  test('report.html and the Markdown summary carry the warning, escaped for each', async () => {
    const summary = await reportOfRows(rows())
    summary.input.warnings = [...(summary.input.warnings ?? []), 'project <b>*x*</b> & co']
    const html = renderReportHtml(summary, [])
    expect(html).toContain('<div class="warnings" role="note"><strong>2 warnings</strong>')
    expect(html).toContain('<li>1 row(s) with 7.5 credits have no JOB_RUN_DATE: they count in the totals but in no day of the day breakdown and chart.</li>')
    expect(html).toContain('<li>project &lt;b&gt;*x*&lt;/b&gt; &amp; co</li>')
    const markdown = renderMarkdown(summary)
    expect(markdown).toContain('> **Warning:** 1 row\\(s\\) with 7.5 credits have no JOB\\_RUN\\_DATE')
    expect(markdown).toContain('> **Warning:** project \\<b\\>\\*x\\*\\</b\\> \\& co')
  })
})
