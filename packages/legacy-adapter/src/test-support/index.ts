// The `@ledger/legacy-adapter/test-support` entry: fixtures for tests and benchmarks, kept out of
// the adapter's own API.
export {
  type FixtureShape,
  fixtureLayouts,
  generateLegacyDb,
  type LegacyFixtureOptions,
} from "./legacy-db.js";
