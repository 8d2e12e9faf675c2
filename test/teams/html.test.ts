/** The Organizations section, the team-page links and the team pages, with names that try to break the markup. */
import {XMLValidator} from 'fast-xml-parser'

import type {Summary} from '../../src/analysis/summary.js'
import {renderCharts} from '../../src/charts/index.js'
import {renderReportHtml} from '../../src/html/report.js'
import {HOSTILE_NAMES, makeSummary} from '../charts/fixtures.js'

const TEAM = '<script>alert("t")</script> & ]]>'

function withPlanAndTeams(): Summary {
  const summary = makeSummary({projects: 6, teams: true, creditPrice: 0.0006})
  summary.sharedPlan = {
    primaryOrgId: 'org-1',
    orgs: [
      {id: 'org-1', name: HOSTILE_NAMES[0], vcsType: null, credits: 100, primary: true},
      {id: 'org-2', name: 'a & b', vcsType: 'github', credits: 50, primary: false},
    ],
  }
  summary.teams = [{team: TEAM, slackChannel: 'C0PLATFORM', credits: 10, dollars: 0.01, summary: 'teams/x.json', page: 'teams/x.html', chart: 'teams/x.png'}]
  return summary
}

describe('report.html for a shared plan with teams', () => {
  const summary = withPlanAndTeams()
  const html = renderReportHtml(summary, renderCharts(summary))

  it('is well-formed with the data escaped', () => {
    expect(XMLValidator.validate(html)).toBe(true)
    expect(html).not.toContain('<script>alert')
    expect(html).toContain('&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt; &amp; ]]&gt;')
  })

  it('has an Organizations section with the discovered organizations, their ids and VCS types', () => {
    expect(html).toContain('<section id="orgs"')
    expect(html).toContain('href="#orgs"')
    expect(html).toContain('<code>org-2</code>')
    expect(html).toMatch(/<td class="name">github<\/td>/)
  })

  it('links every team page from the Teams section', () => {
    expect(html).toContain('<a href="teams/x.html">')
    expect(html).toContain('<code>C0PLATFORM</code>')
  })

  it('has no Organizations section for one organization without a discovery', () => {
    const single = makeSummary({projects: 3})
    single.breakdowns.org = single.breakdowns.org.slice(0, 1)
    expect(renderReportHtml(single, [])).not.toContain('<section id="orgs"')
  })
})

describe("a team's page", () => {
  const summary = makeSummary({projects: 4, comparison: true, savings: true})
  summary.filters = {team: TEAM}
  const html = renderReportHtml(summary, renderCharts(summary), {team: TEAM, parentHref: '../report.html'})

  it('names the team, links back to the report and stays well-formed', () => {
    expect(XMLValidator.validate(html)).toBe(true)
    expect(html).toContain('<a href="../report.html">')
    expect(html).toContain('team &lt;script&gt;')
    expect(html).not.toContain('<script>alert')
  })
})
