import {OTHER_KEY, type Summary} from '../../src/analysis/summary.js'
import {MAX_NAME_CHARS, SLACK_LIMITS} from '../../src/slack/limits.js'
import {buildSlackMessage} from '../../src/slack/payload.js'
import {allTexts, blockKitViolations} from './block-kit-limits.js'
import {bigJump, bucket, fortyProjects, HOSTILE_NAMES, hostileNames, normalWeek, quietWeek} from './fixtures.js'

const REPORT_URL = 'https://app.circleci.com/pipelines/gh/acme/usage/42/workflows/abc/jobs/7'

type Section = {type: string; text?: {type: string; text: string}; fields?: {text: string}[]; elements?: {text: string}[]}

function sectionStartingWith(payload: {blocks: object[]}, prefix: string): string {
  const block = (payload.blocks as Section[]).find((candidate) => candidate.type === 'section' && candidate.text?.text.startsWith(prefix))
  if (!block?.text) throw new Error(`no section starting with ${prefix}`)
  return block.text.text
}

/** What a reader sees: entities decoded, inline code shown without its backticks. */
function rendered(text: string): string {
  return text.replace(/`([^`]*)`/g, '$1').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&')
}

/** Zero-width and other invisible format characters that would ride along when a reader copies text. */
const INVISIBLE = /[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF]/

describe('buildSlackMessage', () => {
  it('renders a normal week', () => {
    const payload = buildSlackMessage(normalWeek, {channel: 'C0USAGE001', reportUrl: REPORT_URL})
    expect(blockKitViolations(payload)).toEqual([])
    expect(payload).toMatchSnapshot()
  })

  it('lists named projects only: the --top roll-up is not a project, a project called "other" is', () => {
    const projects = normalWeek.breakdowns.project.slice(0, 2)
    const rolledUp = projects.reduce((sum, project) => sum + project.credits, 0)
    const summary: Summary = {
      ...normalWeek,
      breakdowns: {
        ...normalWeek.breakdowns,
        project: [bucket('other', 400_000, 532_406), ...projects.slice(0, 1), bucket(OTHER_KEY, rolledUp, 532_406, {dims: {project: null}})],
        org: [...normalWeek.breakdowns.org.slice(0, 1), bucket(OTHER_KEY, 1, 532_406, {dims: {org: null}})],
      },
    }
    const payload = buildSlackMessage(summary, {topProjects: 5})
    const lines = sectionStartingWith(payload, '*Top 2 projects of 47*').split('\n').slice(1)
    expect(lines.map((line) => line.replace(/:.*/, ''))).toEqual(['1. other', `2. ${projects[0].key}`])
    expect(JSON.stringify(payload)).not.toContain(OTHER_KEY)
  })

  it('computes the figures it shows from the summary', () => {
    const payload = buildSlackMessage(normalWeek, {reportUrl: REPORT_URL})
    const fields = (payload.blocks as Section[])[1].fields?.map((field) => field.text) ?? []
    expect(fields[0]).toBe('*Total credits*\n532,406')
    expect(fields[1]).toBe('*Cost*\n$319.44 at $0.0006/credit')
    // (532,406 - 480,000) / 480,000 = 10.918%; +52,406 credits.
    expect(fields[2]).toBe('*Change vs previous 8 days*\n▲ +10.9% (+52,406)')
    expect(fields[3]).toBe('*Jobs*\n1,032 (+42 vs previous)')
    expect(fields[4]).toBe('*Spent on failed jobs*\n122,882 (23.1% of total) in 64 failed jobs')
    expect(fields[5]).toBe('*Other spend thrown away*\n4,768 on canceled jobs · 1,200 on reruns (2 earlier attempts)')
    const projects = sectionStartingWith(payload, '*Top 5 projects of 47*')
    expect(projects.split('\n').slice(1)).toEqual([
      '1. determined: 367,190 credits (69.0%) · ▲ +14.7% (+47,190)',
      '2. pachyderm: 93,846 credits (17.6%) · ▼ -6.2% (-6,154)',
      '3. lore: 37,218 credits (7.0%) · = no change',
      '4. aioli: 26,935 credits (5.1%) · new this window',
      '5. haberdashery: 4,003 credits (0.8%) · ▼ -2.4% (-97)',
    ])
    expect(sectionStartingWith(payload, '*Top savings opportunities* (rightsizing, projected from the 8 days 2024-11-10..17)')).toContain(
      '*~61,000 credits/week*, $36.60/week: `resource_class: xlarge` → `resource_class: large` in job e2e-tests of project determined',
    )
    // The costliest health problem: the slow job's 42,000 credits beat the flaky test's 7,000.
    expect(sectionStartingWith(payload, '*Health*')).toBe(
      '*Health*\nSlowest job e2e-tests (project determined of organization acme, workflow test-e2e) takes 30m 06s at p95 and used 42,000 credits',
    )
    expect(payload.text).toContain('Health: Slowest job e2e-tests (project determined of organization acme, workflow test-e2e) takes 30m 06s at p95 and used 42,000 credits.')
    expect(payload.text.split('\n')[0]).toBe(
      'CircleCI usage for determined-ai, pachyderm, hpe-hcss, 2024-11-10 → 2024-11-17 (8 days): 532,406 credits ($319.44), ▲ +10.9% (+52,406) vs the previous 8 days. 1,032 jobs; 122,882 credits spent on failed jobs.',
    )
    expect(payload.text).toContain(`Full report: <${REPORT_URL}|report>`)
  })

  it('renders a quiet week (zero usage) without dividing by zero', () => {
    const payload = buildSlackMessage(quietWeek, {channel: '#usage'})
    expect(blockKitViolations(payload)).toEqual([])
    expect(JSON.stringify(payload)).not.toMatch(/NaN|Infinity|undefined/)
    expect(sectionStartingWith(payload, '*Projects*')).toBe('*Projects*\nNo usage in this window.')
    expect(payload).toMatchSnapshot()
  })

  it('renders a big jump', () => {
    const payload = buildSlackMessage(bigJump(), {reportUrl: REPORT_URL})
    expect(blockKitViolations(payload)).toEqual([])
    const fields = (payload.blocks as Section[])[1].fields?.map((field) => field.text) ?? []
    expect(fields).toContain('*Change vs previous 8 days*\n▲ +254.9% (+382,406)')
    expect(fields.some((field) => field.startsWith('*Cost*'))).toBe(false)
    expect(payload).toMatchSnapshot()
  })

  it('says so when there is nothing to compare with', () => {
    const payload = buildSlackMessage({...normalWeek, comparison: null}, {})
    const fields = (payload.blocks as Section[])[1].fields?.map((field) => field.text) ?? []
    expect(fields).toContain('*Change vs previous window*\nnot compared in this report')
    expect(sectionStartingWith(payload, '*Top 5 projects')).not.toContain('·')
  })

  it('keeps 40 projects within every Block Kit limit, saying how many were left out', () => {
    const summary = fortyProjects()
    for (const top of [5, 40, 50]) {
      const payload = buildSlackMessage(summary, {reportUrl: REPORT_URL, topProjects: top})
      expect(blockKitViolations(payload)).toEqual([])
      const projects = sectionStartingWith(payload, '*Top ')
      const lines = projects.split('\n').slice(1)
      const listed = lines.filter((line) => /^\d+\. /.test(line)).length
      if (top === 5) {
        expect(listed).toBe(5)
      } else {
        // 40 lines of ~130 characters do not fit in 3,000: whole lines are kept and the rest counted.
        expect(listed).toBeLessThan(40)
        expect(lines.at(-1)).toBe(`… and ${40 - listed} more projects`)
        expect(projects.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText)
      }
    }
    expect(buildSlackMessage(summary, {topProjects: 40})).toMatchSnapshot()
  })

  it("keeps the fallback text within Slack's advised 4,000 characters: whole projects in rank order, the rest counted, the report link kept", () => {
    const base = fortyProjects()
    // 60 names at the longest shown whole (MAX_NAME_CHARS), so no name is cut with an ellipsis.
    const names = Array.from({length: 60}, (_, index) => {
      const key = `org-${index % 3}/project-${String(index + 1).padStart(2, '0')}-`.padEnd(MAX_NAME_CHARS, 'n')
      return bucket(key, 60_000 - index * 900, 3_000_000)
    })
    const summary: Summary = {...base, breakdowns: {...base.breakdowns, project: names}}
    for (const top of [5, 60]) {
      const text = buildSlackMessage(summary, {reportUrl: REPORT_URL, topProjects: top}).text
      expect(text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackTextAdvised)
      expect(text.split('\n').at(-1)).toBe(`Full report: <${REPORT_URL}|report>`)
      const line = text.split('\n').find((candidate) => candidate.startsWith('Top projects: ')) ?? ''
      const listed = [...line.matchAll(/(org-\d\/[^ ]+) [\d,]+/g)].map((match) => match[1])
      const wanted = Math.min(top, names.length)
      // In rank order, no name cut: the first `listed.length` projects of the breakdown.
      expect(listed).toEqual(names.slice(0, listed.length).map((project) => project.key))
      if (top === 5) expect(listed).toHaveLength(5)
      else {
        // 60 entries of ~90 characters are ~5,400: the line yields, and says how many it left out.
        expect(listed.length).toBeLessThan(wanted)
        expect(line.endsWith(` +${wanted - listed.length} more.`)).toBe(true)
      }
    }
  })

  it('truncates oversized names with an ellipsis and stays within limits', () => {
    const long = 'x'.repeat(5000)
    const summary: Summary = {
      ...fortyProjects(),
      breakdowns: {
        ...fortyProjects().breakdowns,
        org: Array.from({length: 5}, (_, index) => ({...normalWeek.breakdowns.org[0], key: `${long}${index}`, dims: {org: `${long}${index}`}})),
      },
      savings: {
        ...(normalWeek.savings as NonNullable<Summary['savings']>),
        top: Array.from({length: 6}, () => ({kind: 'rightsizing' as const, title: long, creditsPerWeek: 1, evidence: long, change: long})),
      },
    }
    const payload = buildSlackMessage(summary, {topProjects: 50, reportUrl: `https://example.com/${long}`})
    expect(blockKitViolations(payload)).toEqual([])
    const header = (payload.blocks as Section[])[0].text?.text ?? ''
    expect(header.endsWith('…')).toBe(true)
    const savings = sectionStartingWith(payload, '*Top savings opportunities*').split('\n').slice(1)
    expect(savings).toHaveLength(3)
    expect(savings.every((line) => line.length < 600 && line.includes('…'))).toBe(true)
  })

  it('neutralises mentions and formatting in every name from the data', () => {
    const payload = buildSlackMessage(hostileNames(), {reportUrl: REPORT_URL, topProjects: 10})
    expect(blockKitViolations(payload)).toEqual([])
    for (const text of allTexts(payload)) {
      // The only `<` left is the report link: no <!channel>, <!here>, <@U..>, <!subteam..>, <script>.
      expect(text.replaceAll(`<${REPORT_URL}|`, '')).not.toContain('<')
      expect(text).not.toMatch(/&(?!amp;|lt;|gt;)/)
    }
    for (const text of allTexts(payload)) expect(text).not.toMatch(INVISIBLE)
    const projectLines = sectionStartingWith(payload, '*Top 10 projects').split('\n').slice(1)
    for (const line of projectLines) {
      // Every formatting marker from a name sits inside inline code, where Slack formats nothing.
      expect(line.replace(/`[^`]*`/g, '')).not.toMatch(/[*_~`]/)
    }
    // Readers still see the names as they are (a line break inside a name becomes a space; a backtick, which
    // cannot stand inside inline code, a lookalike).
    const seen = projectLines.map((line) => rendered(line).replace(/^\d+\. /, '').replace(/: [\d,]+ credits.*$/, ''))
    expect(seen).toEqual(HOSTILE_NAMES.map((name) => name.replace('\n', ' ').replaceAll('`', '\u02CB')))
    const header = (payload.blocks as Section[])[0].text?.text ?? ''
    expect(header).toBe('CircleCI usage · &lt;!here&gt; &amp; *co* · 2024-11-10 → 2024-11-17')
    expect(sectionStartingWith(payload, '*Teams*')).toContain('&lt;!subteam^S123&gt;')
    // Here the flaky test (99,000 credits) is the costliest problem; its hostile name reads as it is, inert.
    const health = sectionStartingWith(payload, '*Health*')
    expect(health).not.toMatch(/<@|<!|<script/)
    // Every formatting character of the names sits inside inline code, so Slack shows it as it is.
    expect(health.replace('*Health*', '').replace(/`[^`]*`/g, '')).not.toMatch(/[*_~`]/)
    expect(health).not.toMatch(INVISIBLE)
    expect(rendered(health)).toBe('*Health*\nFlakiest test <@U024BE7LH> *flaky* ~x~ <script> (job `job` of project <!channel> *p* of organization acme) flaked 7 times, wasting about 99,000 credits of reruns'.replace('`job`', '\u02CBjob\u02CB'))
    expect(payload).toMatchSnapshot()
  })

  it('keeps bidirectional overrides and C1 line breaks in names from reordering or splitting a line', () => {
    const names = ['abc\u202Edef', 'iso\u2067late\u2069', 'next\u0085line']
    const summary: Summary = {...normalWeek, breakdowns: {...normalWeek.breakdowns, project: names.map((name, index) => bucket(name, 1000 - index, normalWeek.totals.credits.total))}}
    const payload = buildSlackMessage(summary, {topProjects: 3})
    for (const text of [...allTexts(payload), payload.text]) expect(text).not.toMatch(/[\u0085\u202A-\u202E\u2066-\u2069]/)
    const lines = sectionStartingWith(payload, '*Top 3 projects').split('\n').slice(1)
    expect(lines.map((line) => line.replace(/^\d+\. /, '').replace(/: [\d,]+ credits.*$/, ''))).toEqual(['abc def', 'iso late ', 'next line'])
  })

  it('ends a right-to-left name\'s run, so the figures after it stay after it (only those names carry the mark)', () => {
    // Slack lays a line out like a browser: "2. מסלול: 2,476 credits" would show as "2. 2,476 :מסלול credits",
    // and in the fallback's "Top projects: a 1, b 2" a figure would stand beside the wrong name.
    const LRM = '\u200E'
    const names = ['web', 'מסלול', '*مشروع*']
    const total = normalWeek.totals.credits.total
    const summary: Summary = {
      ...normalWeek,
      breakdowns: {...normalWeek.breakdowns, org: [{...bucket('مؤسسة', total, total), dims: {org: 'مؤسسة'}}], project: names.map((name, index) => bucket(name, 3000 - index, total))},
    }
    const payload = buildSlackMessage(summary, {topProjects: 3})
    const lines = sectionStartingWith(payload, '*Top 3 projects').split('\n').slice(1)
    expect(lines[0]).toMatch(/^1\. web: 3,000 credits/)
    expect(lines[1]).toMatch(new RegExp(`^2\\. מסלול${LRM}: 2,999 credits`))
    expect(lines[2]).toMatch(new RegExp(`^3\\. \`\\*مشروع\\*\`${LRM}: 2,998 credits`))
    expect(payload.text).toContain(`Top projects: web 3,000, מסלול${LRM} 2,999, \`*مشروع*\`${LRM} 2,998.`)
    expect((payload.blocks as Section[])[0].text?.text).toBe(`CircleCI usage · مؤسسة${LRM} · 2024-11-10 → 2024-11-17`)
    expect(payload.text).not.toMatch(/web\u200E/)
  })

  // The warnings reached stderr and summary.json only: the message read as if its figures were whole.
  it('puts the input warnings right under the header, as inert plain text, at most three and a count', () => {
    const warnings = ['1 row(s) with 7.5 credits have no JOB_RUN_DATE: they count in the totals but in no day.', 'budget "<!channel> *x*" matches nothing', 'c', 'd', 'e']
    const payload = buildSlackMessage({...normalWeek, input: {...normalWeek.input, warnings}}, {channel: 'C0USAGE001'})
    expect(blockKitViolations(payload)).toEqual([])
    const block = payload.blocks[1] as {type: string; elements: {type: string; text: string}[]}
    expect(block.type).toBe('context')
    expect(block.elements.map((element) => element.type)).toEqual(['plain_text', 'plain_text', 'plain_text', 'plain_text'])
    expect(block.elements.map((element) => element.text)).toEqual([
      '⚠️ 1 row(s) with 7.5 credits have no JOB_RUN_DATE: they count in the totals but in no day.',
      '⚠️ budget "&lt;!channel&gt; *x*" matches nothing',
      '⚠️ c',
      'and 2 more warning(s) in the report',
    ])
    const plain = buildSlackMessage(normalWeek, {channel: 'C0USAGE001'})
    expect(JSON.stringify(plain)).not.toContain('⚠️')
  })

  // The notification preview shows the fallback text alone, which gave the figures as whole.
  it('gives the first input warning, escaped for mrkdwn, and the count of the others in the fallback text, after the totals', () => {
    const warnings = ['budget "<!channel> *x*" matches nothing', 'b', 'c']
    const lines = buildSlackMessage({...normalWeek, input: {...normalWeek.input, warnings}}, {}).text.split('\n')
    const at = lines.findIndex((line) => line.startsWith('Warning: '))
    expect(lines[at - 1]).toMatch(/^CircleCI usage .* credits/)
    expect(lines[at]).toBe('Warning: `budget "&lt;!channel&gt; *x*" matches nothing` (and 2 more warning(s) in the report)')
    expect(buildSlackMessage({...normalWeek, input: {...normalWeek.input, warnings: ['one & only']}}, {}).text).toContain('\nWarning: one &amp; only\n')
    expect(buildSlackMessage(normalWeek, {}).text).not.toContain('Warning')
  })

  it('links only http(s) report URLs and escapes them for mrkdwn', () => {
    const withQuery = buildSlackMessage(normalWeek, {reportUrl: 'https://ci.example.com/job?a=1&b=2|x>'})
    expect(JSON.stringify(withQuery)).toContain('<https://ci.example.com/job?a=1&amp;b=2%7Cx%3E|')
    const javascript = buildSlackMessage(normalWeek, {reportUrl: 'javascript:alert(1)'})
    expect(JSON.stringify(javascript)).not.toContain('javascript')
  })
})

describe('savings lines', () => {
  it('name the class a rightsizing changes from and to, as config a reader can copy: no invisible character', () => {
    const payload = buildSlackMessage(normalWeek, {})
    const savings = sectionStartingWith(payload, '*Top savings opportunities*')
    expect(savings).toContain('• *~9,000 credits/week*, $5.40/week: `resource_class: large` → `resource_class: medium` in job build of project pachyderm')
    expect(payload.text).toContain('`resource_class: large` → `resource_class: medium` in job build of project pachyderm (~9,000 credits/week)')
    for (const text of [...allTexts(payload), payload.text]) expect(text).not.toMatch(INVISIBLE)
  })

  it('keep hostile job and project names inert around the classes', () => {
    const payload = buildSlackMessage(hostileNames(), {})
    const savings = sectionStartingWith(payload, '*Top savings opportunities*')
    expect(savings).toContain('`resource_class: x_large` → `resource_class: large` in job `\u02CBdeploy\u02CB &amp; co` of project `&lt;@U1&gt; *p*`')
    const change = savings.split('\n')[1].replace(/^• \*~[\d,]+ credits\/week\*[^:]*: /, '')
    expect(change.replace(/`[^`]*`/g, '')).toBe(' →  in job  of project ')
  })
})
