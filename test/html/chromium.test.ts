import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {renderCharts} from '../../src/charts/index.js'
import {renderReportHtml} from '../../src/html/report.js'
import {HOSTILE_NAMES, makeSummary} from '../charts/fixtures.js'
import {decodePng, distinctColours} from '../charts/png-reader.js'

const CHROMIUM = '/usr/bin/chromium'
const run = promisify(execFile)
const maybe = existsSync(CHROMIUM) ? describe : describe.skip
if (!existsSync(CHROMIUM)) console.log(`${CHROMIUM} not found: skipping the report.html browser test (apt-get install chromium fonts-dejavu-core)`)

/** Headless Chromium with everything that could reach the network or persist state switched off. */
function chromiumArgs(profile: string): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-dev-shm-usage',
    `--user-data-dir=${profile}`,
  ]
}

maybe('report.html in Chromium', () => {
  let dir: string
  let page: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cci-usage-chromium-'))
    const summary = makeSummary({projects: 12, names: HOSTILE_NAMES, comparison: true, savings: true, teams: true, creditPrice: 0.0006})
    page = join(dir, 'report.html')
    await writeFile(page, renderReportHtml(summary, renderCharts(summary)))
  })
  afterAll(async () => {
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  test('screenshot at 1280 px is the right size and not blank', async () => {
    const shot = join(dir, 'shot.png')
    await run(CHROMIUM, [...chromiumArgs(join(dir, 'profile-shot')), '--window-size=1280,2000', `--screenshot=${shot}`, `file://${page}`], {timeout: 15_000})
    const image = decodePng(await readFile(shot))
    expect([image.width, image.height]).toEqual([1280, 2000])
    // Text, tables and three charts in palette colours: far more than the handful of colours of a blank page.
    expect(distinctColours(image)).toBeGreaterThan(40)
  })

  test('the DOM has the tables and the three inline SVGs, and names stay text', async () => {
    const {stdout} = await run(CHROMIUM, [...chromiumArgs(join(dir, 'profile-dom')), '--dump-dom', `file://${page}`], {timeout: 15_000, maxBuffer: 32 * 1024 * 1024})
    expect(stdout.match(/<svg\b/g)).toHaveLength(3)
    for (const id of ['credits-by-project-title', 'credits-by-day-title', 'credits-by-resource-class-title']) expect(stdout).toContain(`id="${id}"`)
    expect((stdout.match(/<table\b/g) ?? []).length).toBeGreaterThanOrEqual(8)
    for (const id of ['projects', 'workflows', 'jobs', 'failed', 'savings', 'teams']) expect(stdout).toContain(`<section id="${id}"`)
    // The sort script ran (it marks headers), and the hostile name is still escaped text, not an element.
    expect(stdout).toContain('aria-sort="none"')
    expect(stdout).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(stdout).not.toContain('<img')
  })

  test('each sortable header is a button inside its <th> (WCAG 4.1.2), the sort state on the <th>', async () => {
    const {stdout} = await run(CHROMIUM, [...chromiumArgs(join(dir, 'profile-buttons')), '--dump-dom', `file://${page}`], {timeout: 15_000, maxBuffer: 32 * 1024 * 1024})
    const headers = stdout.match(/<th scope="col"[^>]*>.*?<\/th>/g) ?? []
    expect(headers.length).toBeGreaterThanOrEqual(8)
    for (const header of headers) expect(header).toMatch(/^<th scope="col"[^>]* aria-sort="(none|descending)"><button type="button">[^<]+<\/button><\/th>$/)
    // The <th> itself is not a tab stop: the button is, or a header would take two.
    expect(stdout).not.toMatch(/<th[^>]*tabindex/)
  })

  test('a table that arrives ordered says so: its first column running high to low is aria-sort="descending"', async () => {
    // Before: every header said "none", though most tables arrive ordered by credits, and the first press on
    // Credits sorted them high to low again (no visible change).
    const {stdout} = await run(CHROMIUM, [...chromiumArgs(join(dir, 'profile-order')), '--dump-dom', `file://${page}`], {timeout: 15_000, maxBuffer: 32 * 1024 * 1024})
    const tables = stdout.match(/<table class="sortable">[\s\S]*?<\/table>/g) ?? []
    const marked: string[] = []
    for (const table of tables) {
      const headers = table.match(/<th scope="col"[^>]*>/g) ?? []
      const descending = headers.flatMap((header, index) => (header.includes('aria-sort="descending"') ? [index] : []))
      expect(descending.length).toBeLessThanOrEqual(1)
      const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(table)?.[1] ?? ''
      const rows = (body.match(/<tr>[\s\S]*?<\/tr>/g) ?? []).map((row) => (row.match(/<t[hd]\b[^>]*>/g) ?? []).map((cell) => /data-sort="([^"]*)"/.exec(cell)?.[1]))
      const runsHighToLow = (index: number) => {
        const values = rows.map((cells) => cells[index])
        if (values.some((value) => value === undefined)) return false
        const numbers = values.map(Number)
        return numbers.every((value, row) => row === 0 || value <= numbers[row - 1]) && new Set(numbers).size > 1
      }
      const expected = headers.findIndex((_, index) => runsHighToLow(index))
      expect(descending).toEqual(expected === -1 ? [] : [expected])
      if (expected !== -1) marked.push(/<caption>([^<]*)<\/caption>/.exec(table)?.[1] ?? '')
    }
    // The projects table, ordered by credits, is marked on its Credits column.
    expect(marked).toContain('Credits by project')
    const projects = tables.find((table) => table.includes('<caption>Credits by project</caption>'))!
    expect(/<th scope="col"[^>]*aria-sort="descending"><button type="button">([^<]+)<\/button>/.exec(projects)?.[1]).toBe('Credits')
  })

  test("the charts' folded figure lists are printed unfolded", async () => {
    // Before: a closed <details> printed as its summary line alone, so a printed or PDF report lost the only
    // text form of the charts' figures (WCAG 1.1.1). Thirty-one days make the day chart's list long enough to
    // take pages of its own, so a list left folded shows in the page count.
    const long = makeSummary({projects: 12, days: 31, names: HOSTILE_NAMES})
    const html = renderReportHtml(long, renderCharts(long))
    expect(html).toContain('<details class="chart-figures">')
    const pagesOf = async (name: string, text: string): Promise<number> => {
      const file = join(dir, `${name}.html`)
      const pdf = join(dir, `${name}.pdf`)
      await writeFile(file, text)
      await run(CHROMIUM, [...chromiumArgs(join(dir, `profile-${name}`)), '--no-pdf-header-footer', `--print-to-pdf=${pdf}`, `file://${file}`], {timeout: 30_000})
      return ((await readFile(pdf)).toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length
    }
    const asWritten = await pagesOf('print-folded', html)
    const unfolded = await pagesOf('print-open', html.replaceAll('<details class="chart-figures">', '<details class="chart-figures" open="open">'))
    const withoutLists = await pagesOf('print-none', html.replaceAll(/<details class="chart-figures">[\s\S]*?<\/details>/g, ''))
    expect(unfolded).toBeGreaterThan(withoutLists)
    expect(asWritten).toBe(unfolded)
  })
})
