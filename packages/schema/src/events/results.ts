import { Type } from "@sinclair/typebox";
import { defineEvent } from "./define.js";

/** Metrics are numbers only, so the index can type them as DOUBLE. */
const Metrics = Type.Record(Type.String(), Type.Number());
const ResultId = Type.String({ minLength: 1, maxLength: 256 });

export const TrialRecorded = defineEvent("trial.recorded", 1, "run", {
  trial_id: ResultId,
  params: Type.Record(Type.String(), Type.Unknown()),
  metrics: Metrics,
});

export const BaselineCompleted = defineEvent("baseline.completed", 1, "run", {
  baseline_id: ResultId,
  metrics: Metrics,
});
