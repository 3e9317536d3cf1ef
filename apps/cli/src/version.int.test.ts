import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { ledger } from "./test-support/cli.js";

it("--version prints the version of the ledger package", () => {
  const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  const r = ledger(["--version"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe(`${version}\n`);
});
