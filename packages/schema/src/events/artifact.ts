import { Type } from "@sinclair/typebox";
import { SAFE_RELATIVE_PATH_PATTERN } from "../identifiers.js";
import { defineEvent, SafeIdField } from "./define.js";

export const ArtifactCreated = defineEvent("artifact.created", 1, "run", {
  artifact_id: SafeIdField,
  kind: Type.String({ minLength: 1, maxLength: 64 }),
  /** Relative to the run directory `artifacts/runs/{run_id}/`. */
  path: Type.String({ pattern: SAFE_RELATIVE_PATH_PATTERN, maxLength: 1024 }),
  format: Type.String({ minLength: 1, maxLength: 32 }),
  bytes: Type.Integer({ minimum: 0 }),
  sha256: Type.String({ pattern: "^[0-9a-f]{64}$" }),
});
