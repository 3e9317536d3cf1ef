import { defineConfig } from "vitest/config";

// One run over every package, so CI gets one report with one pass/fail count.
export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*", "tooling/release"],
  },
});
