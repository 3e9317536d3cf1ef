import type { CommandModule } from "yargs";
import type { GlobalArgs } from "../global-args.js";
import { wholeNumber } from "./flag-values.js";

export interface DemoArgs extends GlobalArgs {
  runs: number;
}

export const demoCommand: CommandModule<GlobalArgs, DemoArgs> = {
  command: "demo",
  describe: "simulate a day of backtests, index them and show the runs (no setup needed)",
  builder: (y) =>
    y.option("runs", { ...wholeNumber("runs", 1, 10_000), default: 36, describe: "backtests to simulate" }),
  handler: async (args) => (await import("../handlers/demo.js")).demo(args),
};
