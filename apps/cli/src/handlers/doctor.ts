import { IndexQueryError, openIndexReader } from "@ledger/indexer";
import type { DoctorArgs } from "../commands/doctor.js";
import { dim, green, out, red } from "../output/print.js";
import { UserError } from "../user-error.js";
import { retentionCheckpoints } from "./doctor-checkpoints.js";
import { type Check, indexChecks, indexWal, logFiles, permissions, tornTails } from "./doctor-checks.js";
import { postgresLag } from "./doctor-postgres.js";
import { logRootOf } from "./log-root.js";

export async function doctor(args: DoctorArgs): Promise<void> {
  const root = logRootOf(args.root);
  const files = logFiles(root);
  const reader = openIndexReader({ root });
  let checks: Check[];
  try {
    checks = [
      tornTails(files),
      permissions(root, files),
      indexWal(root),
      // An index readers cannot open (a stale WAL, say) is a finding, not the end of the report.
      ...(await indexChecks(reader, files).catch((error: unknown) => {
        if (!(error instanceof IndexQueryError)) throw error;
        return [{ name: "index", ok: false, detail: `readers cannot query the index: ${error.message}` }];
      })),
      ...(reader.exists() ? [await retentionCheckpoints(root, reader, files)] : []),
      ...(args.pg === undefined ? [] : [await postgresLag(args.pg, root)]),
    ];
  } finally {
    reader.close();
  }
  const problems = checks.filter((c) => !c.ok);
  if (args.json) out(JSON.stringify({ ok: problems.length === 0, root, checks }));
  else {
    for (const c of checks) {
      out(`${c.ok ? green("ok  ") : red("FAIL")}  ${c.name}: ${c.detail}`);
      if (!c.ok) for (const item of (c.items ?? []).slice(0, 5)) out(dim(`        ${JSON.stringify(item)}`));
    }
  }
  if (problems.length > 0) {
    throw new UserError(
      "LEDGER_DOCTOR_PROBLEMS",
      `${problems.length} problem(s): ${problems.map((p) => p.name).join(", ")}`,
    );
  }
}
