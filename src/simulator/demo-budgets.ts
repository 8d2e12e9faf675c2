/**
 * The budgets `run --demo` uses when no --budgets file is given: one of each kind, sized to the demo data so
 * that the report shows budgets in different states. The same format as a --budgets file (README "History").
 */
export const DEMO_BUDGETS_NAME = 'demo budgets (built in; pass --budgets FILE for your own)'

export const DEMO_BUDGETS_YAML = `budgets:
  - scope: org
    name: acme
    period: month
    credits: 1800000
  - scope: project
    name: api-gateway
    period: week
    credits: 150000
  - scope: project
    name: "sdk-*"
    period: month
    credits: 60000
`
