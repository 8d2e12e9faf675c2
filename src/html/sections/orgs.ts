/**
 * The per-organization section of report.html: every organization of a multi-org (shared plan) report, with
 * the organizations CircleCI listed as sharing the plan (--discover-shared-orgs) and their VCS type.
 */
import type {SharedPlanOrg, Summary} from '../../analysis/summary.js'
import {escapeXml as esc} from '../../charts/escape.js'
import {formatCredits, formatShare} from '../../charts/format.js'
import {type Column, renderTable} from '../table.js'
import {dollarsOfCredits} from '../layout.js'

export const ORGS_SECTION_ID = 'orgs'

/** Shown when the report covers two organizations or more, or when the plan's organizations were discovered. */
export function hasOrgsSection(summary: Summary): boolean {
  return summary.breakdowns.org.length > 1 || Boolean(summary.sharedPlan)
}

export function orgsSectionBody(summary: Summary, orgBreakdown: string): string {
  const parts: string[] = []
  const plan = summary.sharedPlan
  if (plan) {
    const total = summary.totals.credits.total
    const columns: Column<SharedPlanOrg>[] = [
      {heading: 'Organization', text: (org) => `${org.name ?? org.id}${org.primary ? ' (plan owner asked)' : ''}`},
      {heading: 'ID', text: (org) => org.id, code: true},
      {heading: 'VCS', text: (org) => org.vcsType ?? '–'},
      {heading: 'Credits', numeric: true, text: (org) => formatCredits(org.credits), sort: (org) => org.credits},
      {heading: 'Share', numeric: true, text: (org) => formatShare(total !== 0 ? org.credits / total : 0), sort: (org) => org.credits},
    ]
    const price = summary.creditPrice
    if (price !== null) columns.push({heading: 'Cost', numeric: true, text: (org) => dollarsOfCredits(org.credits, price), sort: (org) => org.credits})
    parts.push(
      `<p>${esc(String(plan.orgs.length))} organization${plan.orgs.length === 1 ? '' : 's'} on the plan, as CircleCI's <code>shares-for</code> endpoint listed them (not part of the public API); all were exported together.</p>`,
      renderTable(columns, plan.orgs, 'Organizations on the shared plan'),
    )
  }
  parts.push(orgBreakdown)
  return parts.join('\n')
}
