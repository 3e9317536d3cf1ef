import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

/**
 * Debian's Chromium, installed with apt when missing (the test setup may run as root on a fresh
 * machine). Returns its path, or undefined when it cannot be had here.
 */
export function ensureChromium(): string | undefined {
  const found = CANDIDATES.find((p) => existsSync(p));
  if (found) return found;
  if (process.getuid?.() !== 0) return undefined;
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-qq"], { stdio: "ignore", env });
  const r = spawnSync("apt-get", ["install", "-y", "-qq", "chromium"], { stdio: "ignore", env });
  if (r.status !== 0) return undefined;
  return CANDIDATES.find((p) => existsSync(p));
}
