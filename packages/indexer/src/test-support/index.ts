// The `@ledger/indexer/test-support` entry: workloads and digests that the benchmark and the
// reliability suite share with this package's own tests.
export { indexDigest } from "./index-digest.js";
export { backtestEvents, PHASES, type WorkloadOptions, writeLog } from "./workload.js";
