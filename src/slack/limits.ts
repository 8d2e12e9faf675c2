/**
 * Block Kit limits the message must respect (https://api.slack.com/reference/block-kit). Slack rejects a
 * payload that exceeds any of them with `invalid_blocks`, which would lose the whole weekly message, so the
 * builder truncates to stay inside and the tests assert every one of them.
 */
export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  headerText: 150,
  sectionText: 3000,
  fieldsPerSection: 10,
  fieldText: 2000,
  contextElements: 10,
  contextElementText: 3000,
  /** Slack truncates the top-level `text` beyond this; the builder stays well below it. */
  fallbackText: 40000,
  /** Slack's advice for the top-level `text` ("for best results"); the fallback's project list yields to it. */
  fallbackTextAdvised: 4000,
} as const

/** Longest project/org/team name shown; longer names are cut so one name cannot crowd out the rest. */
export const MAX_NAME_CHARS = 80
