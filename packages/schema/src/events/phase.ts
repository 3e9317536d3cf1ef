import { Type } from "@sinclair/typebox";
import { defineEvent } from "./define.js";

const PhaseName = Type.String({ minLength: 1, maxLength: 128 });

export const PhaseStarted = defineEvent("phase.started", 1, "run", {
  phase: PhaseName,
  phase_order: Type.Integer({ minimum: 0 }),
});

export const PhaseCompleted = defineEvent(
  "phase.completed",
  1,
  "run",
  {
    phase: PhaseName,
    duration_ms: Type.Number({ minimum: 0 }),
    output_summary: Type.Record(Type.String(), Type.Unknown()),
  },
  { truncatable: ["output_summary"] },
);
