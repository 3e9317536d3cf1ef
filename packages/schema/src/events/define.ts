import {
  type Static,
  type TInteger,
  type TLiteral,
  type TObject,
  type TOptional,
  type TProperties,
  type TString,
  Type,
} from "@sinclair/typebox";
import { EVENT_ID_PATTERN } from "../event-id.js";
import { SAFE_ID_PATTERN } from "../identifiers.js";

export const EventIdField = Type.String({ pattern: EVENT_ID_PATTERN, description: "ULID (or UUID), unique" });
/**
 * An event's time also names its partition (`day=YYYY-MM-DD`), so it must fall in a four-digit
 * year: up to 9999-12-31T23:59:59.999Z.
 */
export const TimestampField = Type.Integer({
  minimum: 0,
  maximum: 253_402_300_799_999,
  description: "milliseconds since the epoch, UTC",
});
export const SafeIdField = Type.String({ pattern: SAFE_ID_PATTERN, maxLength: 128 });
export const SeqField = Type.Integer({ minimum: 1, description: "per run, from 1, no gaps from one writer" });

/** Fields every event has. */
type BaseEnvelope<T extends string, V extends number> = {
  event_id: TString;
  event_type: TLiteral<T>;
  schema_version: TLiteral<V>;
  timestamp_ms: TInteger;
};
/** Fields of events that belong to a run. */
type RunEnvelope = { run_id: TString; seq: TOptional<TInteger> };

export type EventScope = "run" | "global";

type EnvelopeOf<S extends EventScope, T extends string, V extends number> = S extends "run"
  ? BaseEnvelope<T, V> & RunEnvelope
  : BaseEnvelope<T, V>;

/** A rewrite of an event from the previous version of its type into this version. */
export type Upcaster = (previous: Record<string, unknown>) => Record<string, unknown>;

/**
 * One version of one event type: its schema (envelope + fields, extra fields forbidden unless
 * `additionalProperties` is set) and the facts the writer and indexer need about it.
 */
export interface EventDefinition<
  T extends string = string,
  V extends number = number,
  S extends EventScope = EventScope,
  P extends TProperties = TProperties,
> {
  readonly type: T;
  readonly version: V;
  readonly scope: S;
  readonly schema: TObject<EnvelopeOf<S, T, V> & P>;
  /** Top-level fields that may be cut (with a marker) when a line would exceed the size limit. */
  readonly truncatable: readonly string[];
  /** Delivered to in-process subscribers, never written to the log. */
  readonly ephemeral: boolean;
  /** Rewrites an event of `version - 1` into this version; required for every version after 1. */
  readonly upcast: Upcaster | undefined;
}

export interface DefineEventOptions<P extends TProperties> {
  /** @default [] */
  truncatable?: readonly (keyof P & string)[];
  /** @default false */
  ephemeral?: boolean;
  /** Allow fields the schema does not name. @default false */
  additionalProperties?: boolean;
  upcast?: Upcaster;
  description?: string;
}

/** Declares one version of an event type. `scope: "run"` adds `run_id` and `seq` to the envelope. */
export function defineEvent<
  const T extends string,
  const V extends number,
  const S extends EventScope,
  P extends TProperties,
>(
  type: T,
  version: V,
  scope: S,
  fields: P,
  options: DefineEventOptions<P> = {},
): EventDefinition<T, V, S, P> {
  const envelope = {
    event_id: EventIdField,
    event_type: Type.Literal(type),
    schema_version: Type.Literal(version),
    timestamp_ms: TimestampField,
    ...(scope === "run" ? { run_id: SafeIdField, seq: Type.Optional(SeqField) } : {}),
  };
  const schema = Type.Object(
    { ...envelope, ...fields },
    {
      additionalProperties: options.additionalProperties ?? false,
      title: `${type} v${version}`,
      ...(options.description ? { description: options.description } : {}),
    },
  ) as unknown as TObject<EnvelopeOf<S, T, V> & P>;
  return {
    type,
    version,
    scope,
    schema,
    truncatable: options.truncatable ?? [],
    ephemeral: options.ephemeral ?? false,
    upcast: options.upcast,
  };
}

/** The TypeScript shape of events of a definition. */
export type EventOf<D extends EventDefinition> = Static<D["schema"]>;

/** What a caller passes to a factory: the envelope's generated fields become optional. */
export type EventInput<D extends EventDefinition> = Omit<
  EventOf<D>,
  "event_id" | "event_type" | "schema_version" | "timestamp_ms"
> &
  Partial<Pick<EventOf<D>, "event_id" | "timestamp_ms">>;
