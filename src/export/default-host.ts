/**
 * CircleCI's cloud host. Its own module so that the flags (export/flags.ts), which every command loads, do not pull
 * in the API client (got, p-retry: ~65 ms of `report`'s start-up) through export/index.ts.
 */
export const DEFAULT_HOST = 'https://circleci.com'
