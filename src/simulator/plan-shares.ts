import type {Dataset} from './dataset.js'

export const SHARES_FOR_PATH = /^\/private\/orgs\/([^/]+)\/plan\/shares-for\/?$/

export interface PlanShareOrg {
  id: string
  name: string
  vcs_type: string
}

/**
 * The organizations of the dataset as the private shares-for endpoint lists them: the first organization (the
 * primary one, which the demo exports) shares its plan with every other one; the others share with nobody.
 * Names and VCS types are read from the served rows, so the answer always agrees with the export.
 */
export function planShares(dataset: Dataset, orgId: string): {orgs: PlanShareOrg[]} {
  if (orgId !== dataset.orgIds[0]) return {orgs: []}
  const column = (name: string) => dataset.header.findIndex((field) => field.trim().toUpperCase() === name)
  const nameColumn = column('ORGANIZATION_NAME')
  const vcsColumn = column('VCS_NAME')
  const seen = new Map<string, PlanShareOrg>()
  for (const row of dataset.rows) {
    if (row.orgId === orgId || seen.has(row.orgId)) continue
    const fields = row.line.split(',')
    seen.set(row.orgId, {id: row.orgId, name: fields[nameColumn] ?? row.orgId, vcs_type: fields[vcsColumn] ?? 'github'})
  }
  return {orgs: dataset.orgIds.filter((id) => seen.has(id)).map((id) => seen.get(id) as PlanShareOrg)}
}
