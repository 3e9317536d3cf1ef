import { existsSync } from "node:fs";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

/** Debian's Chromium, which `.ci/run` installs (tests never run apt themselves). */
export function findChromium(): string | undefined {
  return CANDIDATES.find((p) => existsSync(p));
}
