import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/**
 * Contestants only the benchmark needs live in `tooling/bench/peers`, outside the workspace, so
 * that installing the repository does not compile better-sqlite3 (about 75 s where no prebuilt
 * binary can be fetched). The first suite that needs one installs that folder from its lockfile.
 */
const PEERS = fileURLToPath(new URL("../../peers/", import.meta.url));
const requirePeer = createRequire(`${PEERS}package.json`);

export function benchPeer<T>(name: string): T {
  try {
    return requirePeer(name) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw error;
  }
  process.stderr.write(`  installing the benchmark's peers into ${PEERS} (once; better-sqlite3 compiles)\n`);
  execFileSync("npm", ["ci", "--prefix", PEERS, "--no-audit", "--no-fund", "--loglevel=error"], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  return requirePeer(name) as T;
}
