/** Links between report.html and the per-team pages (teams/<team>.html). */
import type {Summary, TeamEntry} from '../../analysis/summary.js'
import {escapeXml as esc} from '../../charts/escape.js'
import {formatCredits} from '../../charts/format.js'
import {endRightToLeftRun} from '../../core/bidi.js'

/** The list of team pages under the Teams table of report.html; empty when no page was written. */
export function teamPageLinks(summary: Summary): string {
  const pages = (summary.teams ?? []).filter((entry): entry is TeamEntry & {page: string} => entry.page !== null)
  if (pages.length === 0) return ''
  const items = pages.map(
    (entry) =>
      `<li><a href="${esc(entry.page)}">${esc(endRightToLeftRun(entry.team))}</a> · ${esc(formatCredits(entry.credits))} credits${entry.slackChannel ? ` · Slack <code>${esc(entry.slackChannel)}</code>` : ''}</li>`,
  )
  return `<h3>Team pages</h3>\n<ul class="team-pages">\n${items.join('\n')}\n</ul>`
}

/** What a team's page shows above its sections: whose page it is and the way back to the whole report. */
export interface TeamPage {
  team: string
  /** Relative link to the organization's report.html. */
  parentHref: string
}

export function teamPageNotice(page: TeamPage): string {
  return `<p class="note">Team <strong>${esc(page.team)}</strong>: only its projects are counted on this page. <a href="${esc(page.parentHref)}">The whole organization's report</a>.</p>`
}
