import { defineConfig } from "tsup";

export default defineConfig({
  // test-support is its own entry so fixtures stay out of the main API.
  entry: { index: "src/index.ts", "test-support": "src/test-support/index.ts" },
  format: ["esm"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node20",
});
