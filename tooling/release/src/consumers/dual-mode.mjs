// A migration script's use of @ledger/legacy-adapter, run from a project that installed the packed
// tarballs: a legacy database and the index of an existing root, read as one. Prints one JSON line.
import { openDualMode } from "@ledger/legacy-adapter";
import { generateLegacyDb } from "@ledger/legacy-adapter/test-support";

const [root, legacyDb] = process.argv.slice(2);
const cutover = new Date("2026-03-01T00:00:00Z");
await generateLegacyDb({ path: legacyDb, runs: 40, cutover });
const dual = await openDualMode({ legacyDb, root, cutover });
const runs = await dual.queryRuns({ limit: 1000 });
dual.close();
const count = (source) => runs.filter((r) => r.source === source).length;
console.log(JSON.stringify({ legacy: count("legacy"), index: count("index") }));
