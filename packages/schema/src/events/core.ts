import { newEventId } from "../event-id.js";
import { AlertIngested } from "./alert.js";
import { ArtifactCreated } from "./artifact.js";
import type { EventDefinition, EventInput, EventOf } from "./define.js";
import { PhaseCompleted, PhaseStarted } from "./phase.js";
import { BaselineCompleted, TrialRecorded } from "./results.js";
import { RunCompleted, RunCreated, RunStarted } from "./run.js";

/** Every event type ledger ships, at its current version. */
export const coreEventDefinitions = [
  RunCreated,
  RunStarted,
  RunCompleted,
  PhaseStarted,
  PhaseCompleted,
  TrialRecorded,
  BaselineCompleted,
  ArtifactCreated,
  AlertIngested,
] as const;

type CoreDefinition = (typeof coreEventDefinitions)[number];
export type CoreEventType = CoreDefinition["type"];
export type CoreEventMap = { [D in CoreDefinition as D["type"]]: EventOf<D> };
export type CoreEvent = CoreEventMap[CoreEventType];

export type RunCreatedEvent = EventOf<typeof RunCreated>;
export type RunStartedEvent = EventOf<typeof RunStarted>;
export type RunCompletedEvent = EventOf<typeof RunCompleted>;
export type PhaseStartedEvent = EventOf<typeof PhaseStarted>;
export type PhaseCompletedEvent = EventOf<typeof PhaseCompleted>;
export type TrialRecordedEvent = EventOf<typeof TrialRecorded>;
export type BaselineCompletedEvent = EventOf<typeof BaselineCompleted>;
export type ArtifactCreatedEvent = EventOf<typeof ArtifactCreated>;
export type AlertIngestedEvent = EventOf<typeof AlertIngested>;

/**
 * Builds an event of `definition` from its fields, filling `event_id`, `timestamp_ms`,
 * `event_type` and `schema_version`. It does not validate: the writer does, once, before writing.
 */
export function createEvent<D extends EventDefinition>(definition: D, input: EventInput<D>): EventOf<D> {
  const {
    event_id,
    timestamp_ms = Date.now(),
    ...fields
  } = input as { event_id?: string; timestamp_ms?: number };
  return {
    event_id: event_id ?? newEventId(timestamp_ms),
    event_type: definition.type,
    schema_version: definition.version,
    timestamp_ms,
    ...fields,
  } as EventOf<D>;
}

function factory<D extends EventDefinition>(definition: D) {
  return (input: EventInput<D>): EventOf<D> => createEvent(definition, input);
}

export const runCreated = factory(RunCreated);
export const runStarted = factory(RunStarted);
export const runCompleted = factory(RunCompleted);
export const phaseStarted = factory(PhaseStarted);
export const phaseCompleted = factory(PhaseCompleted);
export const trialRecorded = factory(TrialRecorded);
export const baselineCompleted = factory(BaselineCompleted);
export const artifactCreated = factory(ArtifactCreated);
export const alertIngested = factory(AlertIngested);

/** Narrows an event read from anywhere to one core type. */
export function isEventType<T extends CoreEventType>(
  event: { event_type: string },
  type: T,
): event is CoreEventMap[T] {
  return event.event_type === type;
}
