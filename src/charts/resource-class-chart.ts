import type {Summary} from '../analysis/summary.js'
import {endRightToLeftRun} from '../core/bidi.js'
import {type BarRow, horizontalBars} from './bars.js'
import {formatCredits, formatShare, formatWindow} from './format.js'
import {topWithOther} from './rollup.js'
import {emptyChart, type RenderedChart} from './svg.js'

export const RESOURCE_CLASS_CHART_ID = 'credits-by-resource-class'

/**
 * Neutral colours on purpose: this chart is about resource classes, not projects, so it must not borrow a
 * project's palette colour. Slate and the dark red differ in hue only (their contrast is 1.03:1, the same
 * lightness), which red-green colour blindness keeps but greyscale does not: so each bar also says its failed
 * credits in words ("· N failed"), and the figures under the chart do too (WCAG 1.4.1).
 */
const SUCCEEDED_COLOUR = '#4C6A85'
const FAILED_COLOUR = '#B8420F'

/**
 * Credits per resource class, each bar split into the credits of failed jobs and the rest: it shows where
 * the money goes and which machine sizes burn credits on failures, the two levers the savings section acts on.
 */
export function resourceClassChart(summary: Summary, top: number): RenderedChart {
  const buckets = summary.breakdowns.resourceClass
  const title = 'Credits by resource class'
  const window = formatWindow(summary.window)
  const bars = topWithOther(buckets, top)
  if (bars.length === 0 || bars.every((bar) => !(bar.credits > 0))) {
    return emptyChart({
      id: RESOURCE_CLASS_CHART_ID,
      title,
      subtitle: `${window} · no credits used`,
      description: `No resource class used credits in ${window}.`,
    })
  }

  const hidden = bars.find((bar) => bar.isOther)
  const rows: BarRow[] = bars.map((bar) => {
    const label = bar.isOther ? `other (${bar.members} class${bar.members === 1 ? '' : 'es'})` : bar.key
    // Only the drawing is clamped (a bar holds no more failed credits than its length, and no negative piece);
    // the words keep the class's own figure, refunds included, as by-resource-class.csv has it.
    const drawnFailed = Math.min(Math.max(0, bar.failedCredits), Math.max(0, bar.credits))
    const failedText = bar.failedCredits !== 0 ? ` · ${formatCredits(bar.failedCredits)} failed` : ''
    return {
      label,
      segments: [
        {value: bar.credits - drawnFailed, colour: SUCCEEDED_COLOUR},
        {value: drawnFailed, colour: FAILED_COLOUR},
      ],
      total: bar.credits,
      valueLabel: `${formatCredits(bar.credits)} (${formatShare(bar.share)})${failedText}`,
      tooltip: `${endRightToLeftRun(label)}: ${formatCredits(bar.credits)} credits (${formatShare(bar.share)}), ${formatCredits(bar.failedCredits)} of them on failed jobs`,
    }
  })
  // The Summary's figure, as every other medium states it: summing clamped bars dropped refunds of failed jobs.
  const failedTotal = summary.failed.credits
  const largest = bars.find((bar) => !bar.isOther)
  const classes = bars.filter((bar) => !bar.isOther).length + (hidden?.members ?? 0)
  const description =
    `Horizontal bar chart of credits per resource class in ${window}, ${classes} classes, each bar split into credits of failed jobs and of all other jobs.` +
    (largest ? ` Largest: ${largest.key} with ${formatCredits(largest.credits)} credits (${formatShare(largest.share)}).` : '') +
    ` Failed jobs used ${formatCredits(failedTotal)} credits.`
  return horizontalBars(
    {
      id: RESOURCE_CLASS_CHART_ID,
      title,
      subtitle: `${window} · ${formatCredits(summary.totals.credits.total)} credits · ${formatCredits(failedTotal)} on failed jobs`,
      description,
    },
    rows,
    [
      {label: 'credits of jobs that did not fail', colour: SUCCEEDED_COLOUR},
      {label: 'credits of failed jobs', colour: FAILED_COLOUR},
    ],
  )
}
