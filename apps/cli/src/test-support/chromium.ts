import { existsSync } from "node:fs";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

/** Debian's Chromium, which `.ci/run` installs (tests never run apt themselves). */
export function findChromium(): string | undefined {
  return CANDIDATES.find((p) => existsSync(p));
}

/**
 * How the tests start it: without the omnibox popup's WebUI, which headless Chromium builds for
 * each new window, two seconds of a renderer competing with the page under test.
 */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup",
];
