import { ledgerProject } from "@ledger/vitest-config";

// Packing and installing with npm fetches DuckDB's native binding from the registry.
export default ledgerProject("release", { testTimeout: 240_000 });
