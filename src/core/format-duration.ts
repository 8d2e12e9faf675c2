/**
 * Durations of jobs, workflows and queues as people read them, the same in every medium: "42 s", "3m 05s",
 * "1h 02m". Under a minute keeps one decimal (a p50 queue of 0.5 s must not read as 0). Null is "–".
 */
export function formatSeconds(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '–'
  if (seconds < 60) return `${Math.round(seconds * 10) / 10} s`
  const whole = Math.round(seconds)
  const hours = Math.floor(whole / 3600)
  const minutes = Math.floor((whole % 3600) / 60)
  const rest = whole % 60
  return hours > 0 ? `${hours}h ${String(minutes).padStart(2, '0')}m` : `${minutes}m ${String(rest).padStart(2, '0')}s`
}

/** A 0..1 rate as a percentage with one decimal, or "–" when there is none. */
export function formatRate(rate: number | null): string {
  return rate === null || !Number.isFinite(rate) ? '–' : `${(rate * 100).toFixed(1)}%`
}
