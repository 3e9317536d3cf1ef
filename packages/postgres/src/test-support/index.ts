// The `@ledger/postgres/test-support` entry: a real PostgreSQL server for the tests of this
// package and of the CLI, the benchmark and the reliability suite.
export {
  type MirrorRows,
  mirrorRows,
  type PostgresServer,
  postgresBin,
  postgresForTests,
  runSql,
  startPostgres,
  transactionWatcher,
} from "./postgres-server.js";
