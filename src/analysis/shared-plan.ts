import type {DuckDBConnection} from '@duckdb/node-api'

import {microCredits} from './aggregate.js'
import {creditsToNumber} from './build.js'
import {sqlIdent} from './columns.js'
import type {SharedPlan} from './summary.js'

/** An organization as the shares-for discovery named it (export/shared-plan.ts). */
export interface PlanOrg {
  id: string
  name: string | null
  vcsType: string | null
}

export interface DiscoveredPlan {
  primaryOrgId: string
  /** The organizations the endpoint listed (the primary org may or may not be among them). */
  orgs: PlanOrg[]
}

/**
 * summary.sharedPlan: every organization of the plan with its credits in the report. The data names
 * organizations by ORGANIZATION_ID and ORGANIZATION_NAME; the breakdowns key them by name, so the credits are
 * summed here by id, which is what the endpoint gives. Reads the report's narrow copy of the export.
 */
export async function sharedPlanSummary(connection: DuckDBConnection, relation: string, filterSql: string | undefined, plan: DiscoveredPlan): Promise<SharedPlan> {
  // An organization renamed within the window has two names under one id: the latest day's is shown (then the
  // greater name; a row without a day counts as the earliest), where ANY_VALUE gave whichever row a thread met
  // first, so that one run could name it one way and the next run the other.
  const reader = await connection.runAndReadAll(
    `SELECT ORGANIZATION_ID AS id, arg_max(ORGANIZATION_NAME, {'day': COALESCE(JOB_RUN_DATE, DATE '0001-01-01'), 'name': ORGANIZATION_NAME}) FILTER (WHERE ORGANIZATION_NAME IS NOT NULL) AS name, COALESCE(SUM(TOTAL_CREDITS), 0) AS credits
     FROM ${sqlIdent(relation)}${filterSql ? ` WHERE ${filterSql}` : ''} GROUP BY ORGANIZATION_ID`,
  )
  const fromData = new Map(reader.getRowObjects().map((row) => [String(row.id), {name: row.name === null ? null : String(row.name), credits: microCredits(row.credits)}]))
  return planWithCredits(plan, fromData)
}

/** Pure: the primary org first, then the listed ones in the endpoint's order, each once, with its credits. */
export function planWithCredits(plan: DiscoveredPlan, fromData: Map<string, {name: string | null; credits: bigint}>): SharedPlan {
  const listed = new Map(plan.orgs.map((org) => [org.id, org]))
  const ids = [plan.primaryOrgId, ...plan.orgs.map((org) => org.id).filter((id) => id !== plan.primaryOrgId)]
  return {
    primaryOrgId: plan.primaryOrgId,
    orgs: [...new Set(ids)].map((id) => {
      const org = listed.get(id)
      const data = fromData.get(id)
      return {
        id,
        name: org?.name ?? data?.name ?? null,
        vcsType: org?.vcsType ?? null,
        credits: creditsToNumber(data?.credits ?? 0n),
        primary: id === plan.primaryOrgId,
      }
    }),
  }
}
