import { describe, expect, it } from "vitest";
import { eventFields } from "./fields.js";
import { defaultCatalogue } from "./validate.js";

const fieldsOf = (type: string) => {
  const definition = defaultCatalogue().get(type);
  if (!definition) throw new Error(`no ${type}`);
  return eventFields(definition);
};

describe("eventFields", () => {
  it("lists a type's own fields, required or not, with their JSON types, and no envelope field", () => {
    expect(fieldsOf("run.created")).toEqual([
      { name: "run_type", required: true, type: "string" },
      { name: "config", required: true, type: "object" },
      { name: "data_fingerprint", required: true, type: "string" },
      { name: "git", required: false, type: "object" },
      { name: "workspace_id", required: false, type: "string" },
      { name: "configuration_id", required: false, type: "string" },
    ]);
    expect(fieldsOf("run.completed")).toEqual([
      { name: "status", required: true, type: "succeeded|failed|cancelled" },
      { name: "summary", required: true, type: "object" },
      { name: "artifact_paths", required: true, type: "string[]" },
      { name: "exit_code", required: false, type: "integer" },
    ]);
    expect(fieldsOf("trial.recorded").find((f) => f.name === "metrics")?.type).toBe("object of numbers");
    expect(fieldsOf("run.started")).toEqual([]);
  });
});
