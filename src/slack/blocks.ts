/**
 * Block Kit builders shared by the message (payload.ts) and its history part (history.ts, which payload.ts
 * imports, so they live here rather than in either).
 */
import {formatCount} from './format.js'
import {SLACK_LIMITS} from './limits.js'
import {joinLinesWithin} from './text.js'

export type MrkdwnSection = {type: 'section'; text: {type: 'mrkdwn'; text: string}}

/** A bold title (then `afterTitle`) over one line each, cut to fit a section with "… and N more <noun>". */
export function listSection(title: string, lines: string[], noun: string, afterTitle = ''): MrkdwnSection {
  const heading = `*${title}*${afterTitle}`
  const body = joinLinesWithin(lines, SLACK_LIMITS.sectionText - heading.length - 1, (omitted) => `… and ${formatCount(omitted)} more ${noun}`)
  return {type: 'section', text: {type: 'mrkdwn', text: `${heading}\n${body}`}}
}
