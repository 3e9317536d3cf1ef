import { createHash } from "node:crypto";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * A ULID made from a legacy key: its time part is the event's own time (so ids still sort by
 * time) and its random part is a hash of the key, so backfilling the same row twice gives the
 * same id and the index keeps one copy.
 */
export function legacyEventId(timestampMs: number, key: string): string {
  let time = "";
  let t = Math.max(0, Math.floor(timestampMs));
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const hash = createHash("sha256").update(`ledger-legacy:${key}`).digest();
  let random = "";
  // 80 bits: 16 characters of 5 bits each.
  let bits = 0;
  let value = 0;
  for (let i = 0; random.length < 16; i++) {
    value = (value << 8) | (hash[i] ?? 0);
    bits += 8;
    while (bits >= 5 && random.length < 16) {
      bits -= 5;
      random += CROCKFORD[(value >> bits) & 31];
    }
    value &= (1 << bits) - 1;
  }
  return time + random;
}
