import { ledgerProject } from "@ledger/vitest-config";

export default ledgerProject("jetstream");
