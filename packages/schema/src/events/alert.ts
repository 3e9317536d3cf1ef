import { Type } from "@sinclair/typebox";
import { defineEvent } from "./define.js";

export const AlertIngested = defineEvent(
  "alert.ingested",
  1,
  "global",
  {
    alert_id: Type.String({ minLength: 1, maxLength: 256 }),
    source: Type.String({ minLength: 1, maxLength: 128 }),
    received_at_ms: Type.Integer({ minimum: 0 }),
    payload: Type.Record(Type.String(), Type.Unknown()),
  },
  { truncatable: ["payload"] },
);
