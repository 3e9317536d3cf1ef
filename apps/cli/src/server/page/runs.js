// The runs list: filters (status, type, time) and the order sent to the server, so a sort
// covers every run and not only those loaded; rows appear and change as the index takes in new
// events.
import { api } from "./api.js";
import { changesFrom, onRunChanges } from "./changes.js";
import { duration, el, number, statusBadge, time } from "./format.js";
import { createTable } from "./table.js";

const STATUSES = ["created", "running", "succeeded", "failed", "cancelled", "unknown"];
const SINCE = {
  "": "any time",
  "1h": "last hour",
  "24h": "last 24 hours",
  "7d": "last 7 days",
  "30d": "last 30 days",
};
const SINCE_MS = { "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000 };
/** Runs fetched at a time; older ones on request. */
const BATCH = 500;

const selected = new Set();

export async function showRuns(view, params, signal) {
  const filter = {
    status: params.get("status") ?? "",
    type: params.get("type") ?? "",
    since: params.get("since") ?? "",
  };
  const runs = new Map();
  /** The order the server lists in; created_at, newest first, until a header says otherwise. */
  let order = { key: "created_at", descending: true };
  let exhausted = false;
  /** The listing's `cursor`, and whether a listing is on its way. */
  let listed;
  let loading = false;

  const setFilter = (key, value) => {
    const next = new URLSearchParams({ ...filter, [key]: value });
    for (const [k, v] of [...next]) if (!v) next.delete(k);
    location.hash = `#/?${next}`;
  };
  const select = (id, label, value, options, key) =>
    el(
      "label",
      { for: id },
      label,
      el(
        "select",
        { id, onchange: (e) => setFilter(key, e.target.value) },
        Object.entries(options).map(([v, text]) => el("option", { value: v, selected: v === value }, text)),
      ),
    );
  const types = el("datalist", { id: "run-types" });
  const typeInput = el("input", {
    id: "filter-type",
    list: "run-types",
    value: filter.type,
    placeholder: "any type",
    onchange: (e) => setFilter("type", e.target.value.trim()),
  });
  const compareButton = el("button", {
    type: "button",
    id: "compare-selected",
    onclick: () => {
      location.hash = `#/compare/${[...selected].map(encodeURIComponent).join(",")}`;
    },
  });
  const more = el(
    "button",
    { type: "button", id: "load-more", onclick: () => load(true).catch(report) },
    "Load older runs",
  );
  const count = el("span", { class: "count", "aria-live": "polite" });
  const checkbox = (run) =>
    el("input", {
      type: "checkbox",
      "aria-label": `compare ${run.run_id}`,
      checked: selected.has(run.run_id),
      onchange: (e) => {
        if (e.target.checked) selected.add(run.run_id);
        else selected.delete(run.run_id);
        updateCompare();
      },
    });
  const open = (run) => {
    location.hash = `#/run/${encodeURIComponent(run.run_id)}`;
  };
  const table = createTable({
    label: "runs",
    rowId: (run) => run.run_id,
    onOpen: open,
    onSort: (sort) => {
      // Ticks are the page's own; every other column is one the server orders all runs by.
      if (sort.key === "pick") return;
      order = sort;
      load(false).catch(report);
    },
    columns: [
      { key: "pick", label: "✓", value: (r) => (selected.has(r.run_id) ? 1 : 0), render: checkbox },
      {
        key: "run_id",
        label: "run",
        value: (r) => r.run_id,
        render: (r) => el("a", { href: `#/run/${encodeURIComponent(r.run_id)}` }, r.run_id),
      },
      { key: "run_type", label: "type", value: (r) => r.run_type },
      { key: "status", label: "status", value: (r) => r.status, render: (r) => statusBadge(r.status) },
      {
        key: "created_at",
        label: "created (UTC)",
        value: (r) => r.created_at,
        render: (r) => time(r.created_at),
      },
      {
        key: "duration_ms",
        label: "duration",
        numeric: true,
        value: (r) => r.duration_ms,
        render: (r) => duration(r.duration_ms),
      },
      {
        key: "trials",
        label: "trials",
        numeric: true,
        value: (r) => r.trials,
        render: (r) => number(r.trials),
      },
      {
        key: "best_sharpe",
        label: "best sharpe",
        numeric: true,
        value: (r) => r.best_sharpe,
        render: (r) => number(r.best_sharpe),
      },
    ],
  });

  view.append(
    el("h1", {}, "Runs"),
    el(
      "form",
      { class: "filters", role: "search", onsubmit: (e) => e.preventDefault() },
      select(
        "filter-status",
        "status ",
        filter.status,
        { "": "any status", ...Object.fromEntries(STATUSES.map((s) => [s, s])) },
        "status",
      ),
      el("label", { for: "filter-type" }, "type ", typeInput),
      types,
      select("filter-since", "created ", filter.since, SINCE, "since"),
      compareButton,
      count,
    ),
    table.element,
    more,
  );

  function updateCompare() {
    compareButton.textContent = `Compare selected (${selected.size})`;
    compareButton.disabled = selected.size < 2;
  }

  function matches(run) {
    if (filter.status && run.status !== filter.status) return false;
    if (filter.type && run.run_type !== filter.type) return false;
    const since = SINCE_MS[filter.since];
    return !since || (run.created_at !== null && Date.parse(run.created_at) >= Date.now() - since);
  }

  let pending = 0;
  function render() {
    // Changes can come many to a second; the table is redrawn at most once a frame.
    if (pending) return;
    pending = requestAnimationFrame(() => {
      pending = 0;
      table.update([...runs.values()]);
      count.textContent = `${runs.size.toLocaleString("en-US")} runs${exhausted ? "" : " loaded"}`;
      more.hidden = exhausted;
      more.textContent =
        order.key === "created_at" && order.descending ? "Load older runs" : "Load more runs";
      const seen = new Set([...runs.values()].map((r) => r.run_type).filter(Boolean));
      types.replaceChildren(...[...seen].sort().map((t) => el("option", { value: t })));
    });
  }

  /**
   * A batch of runs: first as listed, drawn at once, then again with their best trials (which
   * cost the server several times the listing) to fill that column in.
   */
  let generation = 0;
  /** Runs the server has listed in this order so far: where the next page starts. */
  let served = 0;
  async function load(older, recheck = true) {
    // A new listing (another order or filter) makes the answers to earlier ones stale.
    const mine = older ? generation : ++generation;
    loading = true;
    const query = new URLSearchParams({ limit: String(BATCH) });
    if (filter.status) query.set("status", filter.status);
    if (filter.type) query.set("type", filter.type);
    if (SINCE_MS[filter.since]) query.set("since_ms", String(Date.now() - SINCE_MS[filter.since]));
    const byTime = order.key === "created_at" && order.descending;
    if (!byTime) {
      query.set("sort", order.key);
      query.set("order", order.descending ? "desc" : "asc");
      if (older) query.set("offset", String(served));
    }
    const oldest = older
      ? Math.min(
          ...[...runs.values()].map((r) => Date.parse(r.created_at ?? "")).filter((t) => !Number.isNaN(t)),
        )
      : Infinity;
    // Created at or before the oldest shown: runs sharing its millisecond come again, and are merged.
    if (byTime && older && Number.isFinite(oldest)) query.set("until_ms", String(oldest + 1));
    const { runs: batch, cursor } = await api(`/runs?${query}`, signal).finally(() => {
      loading = false;
    });
    if (mine !== generation) return;
    if (!older) {
      runs.clear();
      listed = cursor;
      served = 0;
    }
    served += batch.length;
    const before = runs.size;
    for (const run of batch) runs.set(run.run_id, run);
    exhausted = batch.length < BATCH || (older && runs.size === before);
    render();
    // The change stream starts from another place than this listing: list once more.
    const from = changesFrom();
    if (!older && recheck && from !== undefined && (from === null || from !== listed))
      return load(false, false);
    query.set("fields", "best");
    const { runs: bests } = await api(`/runs?${query}`, signal);
    if (mine !== generation) return;
    for (const { run_id, best_trial, best_sharpe } of bests) {
      const run = runs.get(run_id);
      if (run) runs.set(run_id, { ...run, best_trial, best_sharpe });
    }
    render();
  }

  const report = (error) => {
    if (!signal.aborted)
      view.append(el("p", { class: "error", role: "alert" }, String(error.message ?? error)));
  };
  const stop = onRunChanges((type, data) => {
    if (type === "ready" && !loading && (data.cursor === null || data.cursor !== listed))
      load(false).catch(report);
    if (type !== "runs") return;
    for (const run of data.runs) {
      if (matches(run)) runs.set(run.run_id, { ...runs.get(run.run_id), ...run });
      else runs.delete(run.run_id);
    }
    render();
  });
  signal.addEventListener("abort", stop);
  updateCompare();
  await load(false);
}
