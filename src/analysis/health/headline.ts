import type {FlakyTest, Health, HealthJob} from '../summary.js'

/** The one health problem a short message (Slack) names. */
export type HealthHeadline =
  | {kind: 'slow-job'; job: HealthJob; credits: number}
  | {kind: 'flaky-test'; test: FlakyTest; credits: number}

/**
 * Pure: the costliest of two candidates, by credits: the slowest job (highest p95 duration; more credits
 * first on a tie) with the credits it used in the window, and the flakiest test with the highest price (the
 * credits of the runs its flakes wasted). Null when neither exists.
 */
export function costliestHealthProblem(health: Health | null | undefined): HealthHeadline | null {
  if (!health) return null
  let slowest: HealthJob | undefined
  for (const job of health.jobs) {
    if (job.durationP95Seconds === null) continue
    if (!slowest || job.durationP95Seconds > (slowest.durationP95Seconds ?? 0) || (job.durationP95Seconds === slowest.durationP95Seconds && job.credits > slowest.credits)) {
      slowest = job
    }
  }
  // tests are sorted most credits first (byFlakyCost), so the first priced one is the costliest.
  const flakiest = health.flakyTests?.tests.find((test) => test.credits !== null && test.credits > 0)
  const slow: HealthHeadline | null = slowest ? {kind: 'slow-job', job: slowest, credits: slowest.credits} : null
  const flaky: HealthHeadline | null = flakiest ? {kind: 'flaky-test', test: flakiest, credits: flakiest.credits ?? 0} : null
  if (slow && flaky) return flaky.credits > slow.credits ? flaky : slow
  return flaky ?? slow
}

/**
 * The headline as one sentence, the same words in every medium; `name` escapes a name from the data for the
 * medium (mrkdwn, Markdown, terminal) and `credits` formats a figure. With `withOrg` (a report of several
 * organizations, where two can have a project of one name) the project is named with its organization.
 */
export function headlineSentence(
  headline: HealthHeadline,
  name: (text: string) => string,
  credits: (value: number) => string,
  seconds: (value: number | null) => string,
  withOrg = false,
): string {
  const project = (org: string | null, projectName: string) =>
    `project ${name(projectName)}${withOrg && org !== null ? ` of organization ${name(org)}` : ''}`
  if (headline.kind === 'flaky-test') {
    const test = headline.test
    const times = `${test.timesFlaked} time${test.timesFlaked === 1 ? '' : 's'}`
    return `flakiest test ${name(test.testName)} (job ${name(test.jobName)} of ${project(test.org, test.project)}) flaked ${times}, wasting about ${credits(headline.credits)} credits of reruns`
  }
  const job = headline.job
  const workflow = job.workflow === null ? '' : `, workflow ${name(job.workflow)}`
  return `slowest job ${name(job.job)} (${project(job.org, job.project)}${workflow}) takes ${seconds(job.durationP95Seconds)} at p95 and used ${credits(headline.credits)} credits`
}
