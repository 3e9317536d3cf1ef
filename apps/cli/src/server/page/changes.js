// One stream of run changes (`GET /runs?stream=true`) for the whole page: the runs list listens
// to it, and its health events drive the banner on every view.
import { stream } from "./api.js";
import { bytes, el } from "./format.js";

const listeners = new Set();
let live = false;
let cursor = null;

/**
 * Where the stream's changes start, once it is connected and has said `ready` (else undefined):
 * a listing with the same `cursor` misses none of them. Null when the server cannot tell.
 */
export const changesFrom = () => (live ? cursor : undefined);

/** Run changes from `GET /runs?stream=true`, for as long as the page is open. */
export function onRunChanges(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function banner(health) {
  const box = document.getElementById("banner");
  const lines = [];
  const daemon = health.daemon;
  if (!daemon?.alive)
    lines.push(
      el(
        "span",
        {},
        "The index daemon is not running, so new events reach this page only through each run's live stream. Start ",
        el("code", {}, "ledger daemon"),
        " (or run ",
        el("code", {}, "ledger rebuild-index"),
        ") to update the index.",
      ),
    );
  if (health.lag.events > 0)
    lines.push(
      el(
        "span",
        {},
        `The index lags the log by ${health.lag.events.toLocaleString("en-US")} events (${bytes(health.lag.bytes)}).`,
      ),
    );
  box.replaceChildren(...lines.flatMap((line, i) => (i > 0 ? [el("br"), line] : [line])));
  box.hidden = lines.length === 0;
}

export function followChanges() {
  const status = document.getElementById("live");
  const signal = new AbortController().signal;
  void stream(
    "/runs?stream=true",
    {
      event(type, data) {
        if (type === "health") banner(data);
        else if (type === "problem") status.textContent = data.error;
        if (type === "ready") {
          live = true;
          cursor = data.cursor ?? null;
          status.textContent = "live";
        }
        if (type === "ready" || type === "runs") for (const listener of listeners) listener(type, data);
      },
      state(text) {
        if (text === "open") return;
        live = false;
        status.textContent = text;
      },
    },
    signal,
  );
}
