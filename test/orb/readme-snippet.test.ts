import {readFileSync} from 'node:fs'
import path from 'node:path'

import {parse} from 'yaml'

import {repoRoot} from './pack.js'

const HEADING = /^#{1,6}\s+Use it in CircleCI\s*$/m

/** The first ```yaml block after the "Use it in CircleCI" heading, or null when there is no such section. */
export function snippetAfterHeading(markdown: string): string | null {
  const heading = HEADING.exec(markdown)
  if (!heading) return null
  const rest = markdown.slice(heading.index + heading[0].length)
  const block = /^```ya?ml\s*\n([\s\S]*?)^```\s*$/m.exec(rest)
  return block ? block[1] : null
}

const example = parse(readFileSync(path.join(repoRoot, 'orb/src/examples/weekly_report.yml'), 'utf8')) as {usage: unknown}

describe('"Use it in CircleCI" snippet', () => {
  it('in README.md is the weekly_report example usage', () => {
    const snippet = snippetAfterHeading(readFileSync(path.join(repoRoot, 'README.md'), 'utf8'))
    expect(snippet).not.toBeNull()
    expect(parse(snippet!)).toEqual(example.usage)
  })

  it('finds nothing when the section is missing, so a renamed heading cannot pass silently as a match', () => {
    expect(snippetAfterHeading('# cci-usage\n\n```yaml\nversion: 2.1\n```\n')).toBeNull()
  })
})
