// Plain JS so that vitest's config loader can import it from node_modules without a TS step.
import { defineProject } from "vitest/config";

/**
 * The one vitest project config every package uses.
 * `@ledger/source` resolves workspace packages to their TypeScript sources, so unit tests never
 * need a build; integration tests that spawn the CLI use the built `dist` instead.
 * @param {string} name project name shown in the report
 * @param {{ testTimeout?: number }} [options] testTimeout defaults to 60 s (real processes, real fsync)
 */
export function ledgerProject(name, options = {}) {
  return defineProject({
    resolve: { conditions: ["@ledger/source"] },
    ssr: { resolve: { conditions: ["@ledger/source"] } },
    test: {
      name,
      include: ["src/**/*.test.ts"],
      environment: "node",
      testTimeout: options.testTimeout ?? 60_000,
      hookTimeout: 60_000,
    },
  });
}
