import {BadInputError} from '../../core/errors.js'
import type {ProjectDefaultBranch} from '../summary.js'

/**
 * Which branch is a project's default. The export does not say, so: `--default-branch NAME` for every project,
 * `--default-branch PROJECT=NAME` for one project (repeatable; a project rule wins over the general one), and
 * otherwise `main` when the project has rows on it, else `master`, else unknown.
 */
export interface DefaultBranchRules {
  /** --default-branch NAME: every project without a rule of its own. */
  all: string | null
  /** --default-branch PROJECT=NAME, by exact PROJECT_NAME. */
  byProject: ReadonlyMap<string, string>
}

export const NO_DEFAULT_BRANCH_RULES: DefaultBranchRules = {all: null, byProject: new Map()}

/** The branches that count as default when the data shows them, in order of preference. */
export const CONVENTIONAL_DEFAULT_BRANCHES = ['main', 'master'] as const

export function parseDefaultBranchRules(values: readonly string[]): DefaultBranchRules {
  let all: string | null = null
  const byProject = new Map<string, string>()
  for (const raw of values) {
    const value = raw.trim()
    // Branch names may hold '=' but GitHub, Bitbucket and GitLab project names may not: split at the first one.
    const separator = value.indexOf('=')
    const project = separator === -1 ? null : value.slice(0, separator).trim()
    const branch = separator === -1 ? value : value.slice(separator + 1).trim()
    if (branch === '' || project === '') {
      throw new BadInputError(
        'E_BAD_DEFAULT_BRANCH',
        `--default-branch ${JSON.stringify(raw)} is not a branch: give NAME for every project or PROJECT=NAME for one, e.g. --default-branch develop or --default-branch api=trunk.`,
      )
    }
    if (project === null) {
      if (all !== null && all !== branch) {
        throw new BadInputError('E_BAD_DEFAULT_BRANCH', `--default-branch is given twice for every project (${all}, ${branch}): give it once, and PROJECT=NAME for exceptions.`)
      }
      all = branch
    } else {
      const earlier = byProject.get(project)
      if (earlier !== undefined && earlier !== branch) {
        throw new BadInputError('E_BAD_DEFAULT_BRANCH', `--default-branch names two branches for project ${project} (${earlier}, ${branch}): keep one.`)
      }
      byProject.set(project, branch)
    }
  }
  return {all, byProject}
}

/** The default branch of one project, given the branches it has rows on. */
export function resolveDefaultBranch(project: string, branches: ReadonlySet<string>, rules: DefaultBranchRules): Pick<ProjectDefaultBranch, 'defaultBranch' | 'source'> {
  const ruled = rules.byProject.get(project) ?? rules.all
  if (ruled !== null && ruled !== undefined) return {defaultBranch: ruled, source: 'flag'}
  const seen = CONVENTIONAL_DEFAULT_BRANCHES.find((branch) => branches.has(branch))
  return seen ? {defaultBranch: seen, source: 'data'} : {defaultBranch: null, source: null}
}

/** Project rules that name no project of the report: worth a warning, since they are probably a typo. */
export function unmatchedProjectRules(rules: DefaultBranchRules, projects: ReadonlySet<string>): string[] {
  return [...rules.byProject.keys()].filter((project) => !projects.has(project)).sort()
}
