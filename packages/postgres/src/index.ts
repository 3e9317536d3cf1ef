export { checkUrl, redactUrl } from "./connect.js";
export {
  PostgresConnectError,
  PostgresMigrationError,
  PostgresOptionError,
  PostgresQueryError,
  PostgresSyncError,
  PostgresUrlError,
} from "./errors.js";
export {
  type FollowOptions,
  type FollowReport,
  followPgSync,
  type RetryOptions,
  syncWithRetry,
} from "./follow.js";
export { type PgSyncLag, pgSyncLag } from "./lag.js";
export { openPostgresRuns, PostgresRuns, type PostgresRunsOptions } from "./read.js";
export { openPgSync, PgSync, type PgSyncOptions, type SyncReport, type SyncStep } from "./sync.js";
