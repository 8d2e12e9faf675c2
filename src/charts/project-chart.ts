import {isRollup, type Summary} from '../analysis/summary.js'
import {endRightToLeftRun} from '../core/bidi.js'
import {type BarRow, horizontalBars} from './bars.js'
import {formatCredits, formatDollars, formatShare, formatWindow} from './format.js'
import {projectColours} from './palette.js'
import {topWithOther} from './rollup.js'
import {emptyChart, type RenderedChart} from './svg.js'

export const PROJECT_CHART_ID = 'credits-by-project'

function otherLabel(hiddenProjects: number): string {
  if (hiddenProjects > 0) return `other (${formatCredits(hiddenProjects)} project${hiddenProjects === 1 ? '' : 's'})`
  return 'other'
}

/** Horizontal bars of the top `top` projects plus "other", with credits, share and (when priced) dollars. */
export function projectChart(summary: Summary, top: number): RenderedChart {
  const buckets = summary.breakdowns.project
  const total = summary.totals.credits.total
  const title = 'Credits by project'
  const window = formatWindow(summary.window)
  const bars = topWithOther(buckets, top)
  const named = bars.filter((bar) => !bar.isOther)

  if (bars.length === 0 || bars.every((bar) => !(bar.credits > 0))) {
    return emptyChart({
      id: PROJECT_CHART_ID,
      title,
      subtitle: `${window} · no credits used`,
      description: `No project used credits in ${window}.`,
    })
  }

  const colours = projectColours(buckets)
  const totalProjects = Math.max(summary.totals.projects, buckets.filter((b) => !isRollup(b)).length)
  const hiddenProjects = Math.max(0, totalProjects - named.length)
  const rows: BarRow[] = bars.map((bar) => {
    const label = bar.isOther ? otherLabel(hiddenProjects) : bar.key
    const dollars = bar.dollars !== null && summary.creditPrice !== null ? ` · ${formatDollars(bar.dollars)}` : ''
    const valueLabel = `${formatCredits(bar.credits)} (${formatShare(bar.share)})${dollars}`
    return {
      label,
      segments: [{value: bar.credits, colour: colours.colour(bar.key)}],
      total: bar.credits,
      valueLabel,
      tooltip: `${endRightToLeftRun(label)}: ${formatCredits(bar.credits)} credits, ${formatShare(bar.share)} of the total${dollars}`,
    }
  })

  const shownText = hiddenProjects > 0 ? `top ${named.length} of ${formatCredits(totalProjects)} projects` : `${named.length} project${named.length === 1 ? '' : 's'}`
  const largest = named[0]
  const description =
    `Horizontal bar chart of credits per project in ${window}, ${shownText}, ${formatCredits(total)} credits in total.` +
    (largest ? ` Largest: ${largest.key} with ${formatCredits(largest.credits)} credits (${formatShare(largest.share)}).` : '')
  return horizontalBars(
    {id: PROJECT_CHART_ID, title, subtitle: `${window} · ${formatCredits(total)} credits · ${shownText}`, description},
    rows,
  )
}
