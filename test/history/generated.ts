/**
 * Generated daily credits for the history's pure analyses: ordinary noisy usage (weekday rhythm, slow growth,
 * log-normal day-to-day noise, idle days, a Zipf-like spread of project sizes). Seeded, so tests are repeatable.
 */
import {dayFromNumber, dayNumber, isoWeekday} from '../../src/history/days.js'
import {seededRandom} from '../../src/simulator/random.js'

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
}

export interface GeneratedUsage {
  days: string[]
  /** Credits per project per day (whole credits). */
  projects: Map<string, Map<string, number>>
  total: Map<string, number>
}

export function ordinaryUsage(options: {seed: number; first: string; days: number; projects?: number; noise?: number}): GeneratedUsage {
  const random = seededRandom('ordinary-usage', options.seed).next
  const count = options.projects ?? 25
  const noise = options.noise ?? 0.35
  const days = Array.from({length: options.days}, (_, index) => dayFromNumber(dayNumber(options.first) + index))
  const projects = new Map<string, Map<string, number>>()
  for (let index = 0; index < count; index++) {
    const scale = 40_000 / (index + 1) ** 1.1
    const weekendShare = 0.15 + 0.3 * random()
    const values = new Map<string, number>()
    days.forEach((day, offset) => {
      if (random() < 0.04) return
      const rhythm = isoWeekday(day) >= 5 ? weekendShare : 1
      const growth = 1.01 ** (offset / 7)
      values.set(day, Math.round(scale * rhythm * growth * Math.exp(noise * gaussian(random) - (noise * noise) / 2)))
    })
    projects.set(`project-${index + 1}`, values)
  }
  const total = new Map<string, number>(days.map((day) => [day, 0]))
  for (const values of projects.values()) for (const [day, credits] of values) total.set(day, (total.get(day) ?? 0) + credits)
  return {days, projects, total}
}
