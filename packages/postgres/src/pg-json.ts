/**
 * `\u0000` (NUL) anywhere in a string, and a lone UTF-16 surrogate, as JSON writes them. Both are
 * valid JSON that PostgreSQL refuses in `jsonb` and `text` ("unsupported Unicode escape
 * sequence"); a run of backslashes before them is matched too, so an escaped backslash followed
 * by the letters `u0000` is told apart from the escape itself.
 */
const REFUSED =
  /(?<!\\)((?:\\\\)*)\\u(0000|d[89ab][0-9a-f]{2}(?!\\ud[c-f])|(?<!\\ud[89ab][0-9a-f]{2})d[c-f][0-9a-f]{2})/g;

/**
 * `value` as JSON text that PostgreSQL accepts: each refused character is stored as the six
 * characters of its escape (`\u0000` becomes the text backslash, `u0000`), so the row is kept
 * rather than the sync stopped. Returns how many were escaped.
 */
export function pgJson(value: unknown): { text: string; escaped: number } {
  const text = JSON.stringify(value);
  if (!text.includes("\\u")) return { text, escaped: 0 };
  let escaped = 0;
  const safe = text.replace(REFUSED, (_match, backslashes: string, code: string) => {
    escaped++;
    return `${backslashes}\\\\u${code}`;
  });
  return { text: safe, escaped };
}

/** The same characters in a plain string: NUL and unpaired surrogates. */
const REFUSED_CHARS = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `text` as a string PostgreSQL accepts in a `text` column, escaped as `pgJson` escapes. */
export function pgText(text: string): { text: string; escaped: number } {
  let escaped = 0;
  const safe = text.replace(REFUSED_CHARS, (ch) => {
    escaped++;
    return `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
  return { text: safe, escaped };
}
