/**
 * In Chromium at 1,400 px, the rightsizing tables show the weekly saving (and extra cost) without scrolling:
 * a script appended to a copy of the page measures where those cells end and --dump-dom carries the answer out.
 */
import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {renderCharts} from '../../src/charts/index.js'
import {renderReportHtml} from '../../src/html/report.js'
import {makeSummary} from '../charts/fixtures.js'

const CHROMIUM = '/usr/bin/chromium'
const run = promisify(execFile)
const maybe = existsSync(CHROMIUM) ? describe : describe.skip
if (!existsSync(CHROMIUM)) console.log(`${CHROMIUM} not found: skipping the rightsizing layout test (apt-get install chromium fonts-dejavu-core)`)

const MEASURE = `<script>//<![CDATA[
const out = []
for (const caption of document.querySelectorAll('caption')) {
  if (!/smaller resource class|resource limits/.test(caption.textContent)) continue
  const table = caption.closest('table')
  const wrap = table.closest('.table-wrap')
  const visibleRight = Math.min(window.innerWidth, wrap.getBoundingClientRect().right)
  const heads = [...table.querySelectorAll('thead th')]
  const money = heads.filter((th) => /Saved|Extra cost/.test(th.textContent))
  out.push({caption: caption.textContent, heads: money.map((th) => th.textContent), visible: money.every((th) => th.getBoundingClientRect().right <= visibleRight + 0.5), scrolls: table.scrollWidth > wrap.clientWidth})
}
document.body.setAttribute('data-measure', JSON.stringify(out))
//]]></script>`

maybe('report.html rightsizing tables at 1,400 px', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cci-usage-layout-'))
  })
  afterAll(async () => {
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  test('show the saving and the extra cost without scrolling, even when the table is wider than the window', async () => {
    const summary = makeSummary({projects: 12, savings: true, creditPrice: 0.0006})
    const page = join(dir, 'report.html')
    await writeFile(page, renderReportHtml(summary, renderCharts(summary)).replace('</body>', `${MEASURE}\n</body>`))
    const {stdout} = await run(
      CHROMIUM,
      ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', `--user-data-dir=${join(dir, 'profile')}`, '--window-size=1400,1000', '--dump-dom', `file://${page}`],
      {timeout: 15_000, maxBuffer: 32 * 1024 * 1024},
    )
    const measured = JSON.parse(/data-measure="([^"]*)"/.exec(stdout)![1].replaceAll('&quot;', '"').replaceAll('&amp;', '&')) as {heads: string[]; visible: boolean; scrolls: boolean}[]
    expect(measured.map((table) => table.heads)).toEqual([
      ['Saved/week', 'Saved $/week'],
      ['Extra cost/week', 'Extra cost $/week'],
    ])
    for (const table of measured) expect(table.visible).toBe(true)
    // The point of the order: these tables are wider than the window, so a money column at the end is hidden.
    expect(measured.some((table) => table.scrolls)).toBe(true)
  })
})
