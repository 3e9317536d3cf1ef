import { isAbsolute, relative, resolve, sep } from "node:path";
import { InvalidIdentifierError } from "./errors.js";

/** Longest id accepted anywhere an id becomes part of a path. */
export const MAX_ID_LENGTH = 128;

/**
 * Ids that end up in paths (run ids, workspace ids, artifact ids): letters, digits, `.`, `_`, `-`,
 * never `.`/`..` and never containing `..`, so no id can climb out of the data root. The same rule
 * is the JSON Schema pattern of such fields, so the writer and any external validator agree.
 */
export const SAFE_ID_PATTERN = "^(?!\\.{1,2}$)(?!.*\\.\\.)[A-Za-z0-9._-]{1,128}$";

/**
 * A relative path inside a run directory: `/`-separated segments of the same safe characters,
 * no `.`/`..` segment, nothing absolute, no backslash or NUL.
 */
export const SAFE_RELATIVE_PATH_PATTERN =
  "^(?!.*(?:^|/)\\.{1,2}(?:/|$))[A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)*$";

const safeId = new RegExp(SAFE_ID_PATTERN);
const safeRelativePath = new RegExp(SAFE_RELATIVE_PATH_PATTERN);

export function isSafeId(value: unknown): value is string {
  return typeof value === "string" && safeId.test(value);
}

/** Throws `InvalidIdentifierError` naming `kind` unless `value` is a safe id. */
export function assertSafeId(value: unknown, kind = "id"): asserts value is string {
  if (typeof value !== "string") throw new InvalidIdentifierError(kind, String(value), "not a string");
  if (safeId.test(value)) return;
  const reason =
    value.length === 0
      ? "empty"
      : value.length > MAX_ID_LENGTH
        ? `longer than ${MAX_ID_LENGTH} characters`
        : value.includes("..")
          ? "contains '..'"
          : "only letters, digits, '.', '_' and '-' are allowed";
  throw new InvalidIdentifierError(kind, value, reason);
}

export function isSafeRelativePath(value: unknown): value is string {
  return typeof value === "string" && value.length <= 1024 && safeRelativePath.test(value);
}

/**
 * Joins a caller-supplied relative path onto `base` and proves the result stays inside it.
 * The pattern check rejects `..`, absolute paths and odd characters; the resolve check is a second
 * line of defence should the pattern ever be loosened.
 */
export function resolveInside(base: string, relativePath: string, kind = "path"): string {
  if (!isSafeRelativePath(relativePath)) {
    throw new InvalidIdentifierError(kind, relativePath, "must be a relative path of safe segments");
  }
  const full = resolve(base, relativePath);
  const rel = relative(resolve(base), full);
  if (rel === "" || rel.startsWith(`..${sep}`) || rel === ".." || isAbsolute(rel)) {
    throw new InvalidIdentifierError(kind, relativePath, "escapes its directory");
  }
  return full;
}
