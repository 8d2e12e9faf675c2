/**
 * How credits read in every medium (terminal, Markdown, Slack, SVG, HTML), so a figure reads the same
 * everywhere. Credits are summed exactly upstream; this is the only place they are rounded for display:
 * whole credits from 100 up, up to two decimals below (0.4 credits must not read as 0). Fixed locale, so output
 * and snapshots are identical on every machine.
 */
const whole = new Intl.NumberFormat('en-US', {maximumFractionDigits: 0})
const fractional = new Intl.NumberFormat('en-US', {maximumFractionDigits: 2})

export function formatCredits(value: number): string {
  const finite = Number.isFinite(value) ? value : 0
  const text = (Math.abs(finite) >= 100 || Number.isInteger(finite) ? whole : fractional).format(finite)
  // -0.001 rounds to "-0"
  return text === '-0' ? '0' : text
}
