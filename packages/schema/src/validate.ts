import {
  createCatalogue,
  type EventCatalogue,
  type StoredEvent,
  type ValidationResult,
} from "./catalogue.js";

let shared: EventCatalogue | undefined;

/** The process-wide catalogue of core types used when a call names no catalogue of its own. */
export function defaultCatalogue(): EventCatalogue {
  shared ??= createCatalogue();
  return shared;
}

export interface ValidateOptions {
  /** Catalogue to validate against. @default the core catalogue */
  catalogue?: EventCatalogue;
}

/**
 * Returns `{ ok: true, event }` or `{ ok: false, issues, summary }` with every problem and its
 * JSON path; never throws. The line-size limit is checked where lines are made (`serializeEvent`)
 * and read (`parseEventLine`), not here, so validating stays allocation-free.
 */
export function validateEvent(value: unknown, options: ValidateOptions = {}): ValidationResult {
  return (options.catalogue ?? defaultCatalogue()).validate(value);
}

/** Returns the event, or throws `SchemaValidationError` / `UnknownEventTypeError` (with `code`). */
export function assertEvent(value: unknown, options: ValidateOptions = {}): StoredEvent {
  return (options.catalogue ?? defaultCatalogue()).assert(value);
}
