/**
 * How a savings opportunity reads in Slack. A rightsizing names both classes, as config a reader can copy
 * (`resource_class: large` → `resource_class: medium`), then the job and project it applies to; other kinds
 * read as their concrete change.
 */
import {rightsizingHeadline} from '../analysis/savings/opportunities.js'
import type {RightsizingCandidate, SavingsOpportunity, Summary} from '../analysis/summary.js'
import {codeSpan, mrkdwnName} from './text.js'

/** Names and classes in a savings line get more room than a bare name: they are what a reader acts on. */
const MAX_PART_CHARS = 120

export function opportunityText(summary: Summary, opportunity: SavingsOpportunity, maxChars: number): string {
  const sameChange = opportunity.kind === 'rightsizing' ? (summary.savings?.rightsizing ?? []).filter((rightsizing) => rightsizing.change === opportunity.change) : []
  // Summaries written before the headline existed still find a candidate by its change alone.
  const titled = (rightsizing: RightsizingCandidate, nameOrg: boolean) => opportunity.title.startsWith(`${rightsizingHeadline(rightsizing, nameOrg)}:`)
  // A title that names the organization (the downsizes span several) is matched first: the same job of two
  // organizations is two lines, which read the same unless the organization is named here too.
  const withOrg = sameChange.find((rightsizing) => rightsizing.org !== null && titled(rightsizing, true))
  const candidate = withOrg ?? sameChange.find((rightsizing) => titled(rightsizing, false)) ?? sameChange[0]
  if (!candidate) return mrkdwnName(opportunity.change, maxChars)
  const from = codeSpan(`resource_class: ${candidate.resourceClass}`, MAX_PART_CHARS)
  const to = codeSpan(`resource_class: ${candidate.suggestedClass}`, MAX_PART_CHARS)
  const org = withOrg && withOrg.org !== null ? ` of organization ${mrkdwnName(withOrg.org, MAX_PART_CHARS)}` : ''
  return `${from} → ${to} in job ${mrkdwnName(candidate.job, MAX_PART_CHARS)} of project ${mrkdwnName(candidate.project, MAX_PART_CHARS)}${org}`
}
