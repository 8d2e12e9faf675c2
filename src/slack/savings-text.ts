/**
 * How a savings opportunity reads in Slack. A rightsizing names both classes, as config a reader can copy
 * (`resource_class: large` → `resource_class: medium`), then the job and project it applies to; other kinds
 * read as their concrete change.
 */
import {executorName, rightsizingHeadline, type HeadlineNames} from '../analysis/savings/opportunities.js'
import type {RightsizingCandidate, SavingsOpportunity, Summary} from '../analysis/summary.js'
import {codeSpan, mrkdwnName} from './text.js'

/** Names and classes in a savings line get more room than a bare name: they are what a reader acts on. */
const MAX_PART_CHARS = 120

export function opportunityText(summary: Summary, opportunity: SavingsOpportunity, maxChars: number): string {
  const sameChange = opportunity.kind === 'rightsizing' ? (summary.savings?.rightsizing ?? []).filter((rightsizing) => rightsizing.change === opportunity.change) : []
  // A title that names the organization (the downsizes span several) or the executor (the same job and class under
  // two) is matched first: those are two lines, which read the same unless they are named here too. Summaries
  // written before the headline existed still find a candidate by its change alone.
  const titled = (rightsizing: RightsizingCandidate, name: HeadlineNames) =>
    (!name.org || rightsizing.org !== null) && opportunity.title.startsWith(`${rightsizingHeadline(rightsizing, name)}:`)
  let name: HeadlineNames | undefined
  let candidate: RightsizingCandidate | undefined
  for (const naming of NAMINGS) {
    candidate = sameChange.find((rightsizing) => titled(rightsizing, naming))
    if (candidate) {
      name = naming
      break
    }
  }
  candidate ??= sameChange[0]
  if (!candidate) return mrkdwnName(opportunity.change, maxChars)
  const from = codeSpan(`resource_class: ${candidate.resourceClass}`, MAX_PART_CHARS)
  const to = codeSpan(`resource_class: ${candidate.suggestedClass}`, MAX_PART_CHARS)
  const executor = name?.executor ? ` (${mrkdwnName(executorName(candidate.executor), MAX_PART_CHARS)})` : ''
  const org = name?.org && candidate.org !== null ? ` of organization ${mrkdwnName(candidate.org, MAX_PART_CHARS)}` : ''
  return `${from}${executor} → ${to} in job ${mrkdwnName(candidate.job, MAX_PART_CHARS)} of project ${mrkdwnName(candidate.project, MAX_PART_CHARS)}${org}`
}

const NAMINGS: readonly HeadlineNames[] = [
  {org: true, executor: true},
  {org: true},
  {executor: true},
  {},
]
