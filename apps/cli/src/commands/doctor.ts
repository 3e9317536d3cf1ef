import type { CommandModule } from "yargs";
import type { GlobalArgs } from "../global-args.js";

export interface DoctorArgs extends GlobalArgs {
  json: boolean;
}

export const doctorCommand: CommandModule<GlobalArgs, DoctorArgs> = {
  command: "doctor",
  describe: "check the log and the index; exits 1 on any problem",
  builder: (y) =>
    y.option("json", { type: "boolean", default: false, describe: "the report as one JSON object" }),
  handler: async (args) => (await import("../handlers/doctor.js")).doctor(args),
};
