// Two or more runs side by side: their summaries, phase durations and best trials.
import { api } from "./api.js";
import { duration, el, number, statusBadge, time } from "./format.js";
import { bestTrial, trialStore } from "./trials.js";

export async function showCompare(view, runIds, signal) {
  view.append(el("h1", {}, "Compare runs"));
  if (runIds.length < 2) {
    view.append(
      el(
        "p",
        {},
        "Tick two or more runs in the ",
        el("a", { href: "#/" }, "runs list"),
        " and press “Compare selected”.",
      ),
    );
    return;
  }
  const runs = await Promise.all(
    runIds.map(async (id) => {
      const path = `/runs/${encodeURIComponent(id)}`;
      const [detail, columns] = await Promise.all([api(path, signal), api(`${path}/trials`, signal)]);
      const trials = trialStore(columns);
      const metric = trials.metrics.sharpe ? "sharpe" : Object.keys(trials.metrics).sort()[0];
      return {
        id,
        detail,
        trials,
        metric,
        best: metric === undefined ? undefined : bestTrial(trials, metric),
      };
    }),
  );
  const head = el(
    "tr",
    {},
    el("th", { scope: "col" }, ""),
    runs.map((r) => el("th", { scope: "col" }, el("a", { href: `#/run/${encodeURIComponent(r.id)}` }, r.id))),
  );
  const row = (label, cell) =>
    el(
      "tr",
      {},
      el("th", { scope: "row" }, label),
      runs.map((r) => el("td", {}, cell(r) ?? "–")),
    );
  const section = (id, title, rows) =>
    el(
      "section",
      { "aria-labelledby": id },
      el("h2", { id }, title),
      el(
        "div",
        { class: "scroll" },
        el(
          "table",
          { class: "grid compare", "aria-label": title },
          el("thead", {}, head.cloneNode(true)),
          el("tbody", {}, rows),
        ),
      ),
    );

  const summary = [
    row("status", (r) => statusBadge(r.detail.run.status)),
    row("type", (r) => r.detail.run.run_type),
    row("created (UTC)", (r) => time(r.detail.run.created_at)),
    row("duration", (r) => duration(r.detail.run.duration_ms)),
    row("trials", (r) => number(r.trials.total)),
    row("data fingerprint", (r) => el("code", {}, r.detail.run.data_fingerprint ?? "–")),
    row("git", (r) =>
      el(
        "code",
        {},
        `${r.detail.run.git_commit?.slice(0, 12) ?? "–"} ${r.detail.run.git_branch ?? ""}${r.detail.run.git_dirty ? " (dirty)" : ""}`,
      ),
    ),
  ];
  const configKeys = [...new Set(runs.flatMap((r) => Object.keys(r.detail.run.config ?? {})))].sort();
  for (const key of configKeys) {
    const text = (r) => JSON.stringify(r.detail.run.config?.[key] ?? null);
    const differs = new Set(runs.map(text)).size > 1;
    summary.push(
      el(
        "tr",
        { class: differs ? "differs" : "" },
        el("th", { scope: "row" }, `config.${key}`),
        runs.map((r) => el("td", {}, el("code", {}, text(r)))),
      ),
    );
  }

  const phaseNames = [...new Set(runs.flatMap((r) => r.detail.phases.map((p) => p.phase)))];
  const phaseRows = phaseNames.map((name) =>
    row(name, (r) => {
      const p = r.detail.phases.find((x) => x.phase === name);
      return p
        ? duration(
            p.duration_ms ??
              (p.completed_ms !== null && p.started_ms !== null ? p.completed_ms - p.started_ms : null),
          )
        : null;
    }),
  );
  phaseRows.push(
    row("total", (r) => duration(r.detail.phases.reduce((sum, p) => sum + (p.duration_ms ?? 0), 0))),
  );

  const bestRows = [
    row("best by", (r) => r.metric),
    row("trial", (r) => (r.best === undefined ? null : r.trials.trial_id[r.best])),
  ];
  const metricNames = [...new Set(runs.flatMap((r) => Object.keys(r.trials.metrics)))].sort();
  const paramNames = [...new Set(runs.flatMap((r) => Object.keys(r.trials.params)))].sort();
  for (const m of metricNames)
    bestRows.push(
      row(m, (r) => (r.best === undefined ? null : number(r.trials.metrics[m]?.[r.best] ?? null))),
    );
  for (const p of paramNames)
    bestRows.push(
      row(`param ${p}`, (r) => {
        const v = r.best === undefined ? undefined : r.trials.params[p]?.[r.best];
        return v === undefined || v === null ? null : typeof v === "number" ? number(v) : JSON.stringify(v);
      }),
    );

  view.append(
    el(
      "div",
      { id: "compare" },
      section("compare-summary", "Summary", summary),
      section("compare-phases", "Phase durations", phaseRows),
      section("compare-best", "Best trials", bestRows),
    ),
  );
}
