import type { CommandModule } from "yargs";
import type { GlobalArgs } from "../global-args.js";

export interface DoctorArgs extends GlobalArgs {
  json: boolean;
  pg?: string;
}

export const doctorCommand: CommandModule<GlobalArgs, DoctorArgs> = {
  command: "doctor",
  describe: "check the log and the index; exits 1 on any problem",
  builder: (y) =>
    y
      .option("json", { type: "boolean", default: false, describe: "the report as one JSON object" })
      .option("pg", {
        type: "string",
        requiresArg: true,
        describe: "also report how far this PostgreSQL mirror (see pg-sync) is behind the log",
      }),
  handler: async (args) => (await import("../handlers/doctor.js")).doctor(args),
};
