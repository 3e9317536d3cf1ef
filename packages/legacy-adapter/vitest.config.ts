import { ledgerProject } from "@ledger/vitest-config";

export default ledgerProject("legacy-adapter");
