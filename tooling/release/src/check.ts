import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { packAll } from "./workspace.js";

/**
 * `pnpm --filter @ledger/release check`: publint and Are the Types Wrong on the tarball of every
 * publishable package, so what is checked is what a user downloads. Ends with
 * "N passed, N failed", one check per tool and package.
 */
const bin = (tool: string) => fileURLToPath(new URL(`../node_modules/.bin/${tool}`, import.meta.url));

const CHECKS: [tool: string, args: (tarball: string) => string[]][] = [
  ["publint", (tarball) => [tarball, "--strict"]],
  // The packages are ESM only (Node >= 20.19 can also require() them), so CommonJS and node10
  // resolution are not checked; the DefinitelyTyped lookup would only query the registry.
  ["attw", (tarball) => [tarball, "--profile", "esm-only", "--no-definitely-typed", "--format", "ascii"]],
];

const dest = mkdtempSync(join(tmpdir(), "ledger-packs-"));
let passed = 0;
let failed = 0;
try {
  for (const [name, tarball] of packAll(dest)) {
    for (const [tool, args] of CHECKS) {
      const r = spawnSync(bin(tool), args(tarball), { encoding: "utf8" });
      if (r.status === 0) {
        passed++;
        console.log(`PASS ${tool} ${name}`);
      } else {
        failed++;
        console.log(`FAIL ${tool} ${name}\n${r.stdout}${r.stderr}`);
      }
    }
  }
} finally {
  rmSync(dest, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
