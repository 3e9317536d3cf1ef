import { Type } from "@sinclair/typebox";
import { SAFE_RELATIVE_PATH_PATTERN } from "../identifiers.js";
import { defineEvent, SafeIdField } from "./define.js";

const JsonObject = Type.Record(Type.String(), Type.Unknown());

export const GitProvenance = Type.Object(
  { commit: Type.String({ minLength: 1 }), branch: Type.String(), dirty: Type.Boolean() },
  { additionalProperties: false },
);

export const RunCreated = defineEvent("run.created", 1, "run", {
  run_type: Type.String({ minLength: 1, maxLength: 128 }),
  config: JsonObject,
  data_fingerprint: Type.String({ minLength: 1, maxLength: 512 }),
  git: Type.Optional(GitProvenance),
  workspace_id: Type.Optional(SafeIdField),
  configuration_id: Type.Optional(SafeIdField),
});

export const RunStarted = defineEvent("run.started", 1, "run", {});

export const RunStatus = Type.Union([
  Type.Literal("succeeded"),
  Type.Literal("failed"),
  Type.Literal("cancelled"),
]);

export const RunCompleted = defineEvent(
  "run.completed",
  1,
  "run",
  {
    status: RunStatus,
    summary: JsonObject,
    artifact_paths: Type.Array(Type.String({ pattern: SAFE_RELATIVE_PATH_PATTERN, maxLength: 1024 })),
    exit_code: Type.Optional(Type.Integer()),
  },
  { truncatable: ["summary"] },
);
