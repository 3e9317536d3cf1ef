import { cpSync } from "node:fs";
import { defineConfig } from "tsup";

export default defineConfig({
  // The mirror of `daemon --pg` runs in a process of its own, started from this file.
  entry: { bin: "src/bin.ts", "mirror-child": "src/mirror/mirror-child.ts" },
  format: ["esm"],
  clean: true,
  sourcemap: true,
  target: "node20",
  // Each command's handler is its own chunk, loaded only when that command runs.
  splitting: true,
  // yargs is ~40 small ESM modules; bundled into bin.js, `ledger --help` resolves and compiles one.
  noExternal: ["yargs"],
  banner: { js: "#!/usr/bin/env node" },
  // The web page's static files, read by the server from `page/` beside its chunk.
  onSuccess: async () => {
    cpSync("src/server/page", "dist/page", { recursive: true });
  },
});
