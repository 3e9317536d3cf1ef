// One run: its summary from the index, then kept current by its event stream (phases, trials,
// status and artifacts are updated from the events themselves, so the page is live even while
// the index lags or no daemon runs).
import { ApiError, api, download, stream } from "./api.js";
import { bytes, duration, el, number, statusBadge, time } from "./format.js";
import { historyPlot, paramPlot, plotWidth } from "./plots.js";
import { createTable } from "./table.js";
import { bestTrial, recordTrial, trialStore } from "./trials.js";
import { phaseWaterfall } from "./waterfall.js";

/** Events kept on the page; older ones stay in the log and the NDJSON download. */
const EVENTS_SHOWN = 1000;
/** Up to this many trials, the event list replays the run from its start. */
const FULL_REPLAY = 2000;

/** The smaller of two cursors, part by part: a part one of them lacks is read from its start. */
export function earlierCursor(a, b) {
  if (a === null || b === null) return "";
  const parse = (token) =>
    new Map(token ? token.split(".").map((e) => [e.slice(0, e.lastIndexOf("-")), e]) : []);
  const x = parse(a);
  const y = parse(b);
  const offset = (entry) => Number.parseInt(entry.slice(entry.lastIndexOf("-") + 1), 36);
  return [...x]
    .filter(([part]) => y.has(part))
    .map(([part, entry]) => (offset(entry) <= offset(y.get(part)) ? entry : y.get(part)))
    .sort()
    .join(".");
}

export async function showRun(view, runId, signal) {
  const [detail, columns] = await Promise.all([
    api(`/runs/${encodeURIComponent(runId)}`, signal).catch(notFound),
    api(`/runs/${encodeURIComponent(runId)}/trials`, signal).catch(notFound),
  ]);
  const run = detail?.run ?? { run_id: runId, status: "unknown" };
  const phases = new Map((detail?.phases ?? []).map((p) => [p.phase, { ...p }]));
  const artifacts = new Map((detail?.artifacts ?? []).map((a) => [a.path, a]));
  const trials = trialStore(columns);
  const path = `/runs/${encodeURIComponent(runId)}`;

  const head = el("div", { class: "run-head" });
  const facts = el("dl", { class: "facts" });
  const configBox = el("div", { class: "json-boxes" });
  const artifactBox = el("div");
  const waterfall = el("div", { class: "waterfall", id: "waterfall", role: "list", "aria-label": "phases" });
  const trialHead = el("h2", { id: "trials-title" }, "Trials");
  const metricSelect = el("select", { id: "plot-metric", onchange: () => drawPlots() });
  const paramSelect = el("select", { id: "plot-param", onchange: () => drawPlots() });
  const directionSelect = el(
    "select",
    { id: "plot-direction", onchange: () => drawPlots() },
    el("option", { value: "max" }, "higher is better"),
    el("option", { value: "min" }, "lower is better"),
  );
  const historyBox = el("div", { class: "plot", id: "plot-history" });
  const paramBox = el("div", { class: "plot", id: "plot-param-metric" });
  const eventState = el("span", { id: "state", class: "state" }, "connecting");
  const cursorText = el("code", { id: "cursor", class: "cursor" });
  const eventList = el("div", { id: "events", class: "events", role: "log", "aria-label": "events" });
  const eventCount = el("span", { class: "count" });
  let table;

  view.append(
    head,
    el(
      "section",
      { "aria-labelledby": "summary-title" },
      el("h2", { id: "summary-title" }, "Summary"),
      facts,
      configBox,
    ),
    el(
      "section",
      { "aria-labelledby": "artifacts-title" },
      el("h2", { id: "artifacts-title" }, "Artifacts"),
      artifactBox,
    ),
    el(
      "section",
      { "aria-labelledby": "phases-title" },
      el("h2", { id: "phases-title" }, "Phases"),
      waterfall,
    ),
    el(
      "section",
      { "aria-labelledby": "plots-title" },
      el("h2", { id: "plots-title" }, "Plots"),
      el(
        "div",
        { class: "filters" },
        el("label", { for: "plot-metric" }, "metric ", metricSelect),
        el("label", { for: "plot-direction" }, "best is ", directionSelect),
        el("label", { for: "plot-param" }, "parameter ", paramSelect),
      ),
      el("div", { class: "plots" }, historyBox, paramBox),
    ),
    el("section", { "aria-labelledby": "trials-title" }, trialHead, el("div", { id: "trials" })),
    el(
      "section",
      { "aria-labelledby": "events-title" },
      el("h2", { id: "events-title" }, "Events ", eventState),
      el(
        "p",
        { class: "hint" },
        "cursor ",
        cursorText,
        " ",
        eventCount,
        " ",
        el("button", { type: "button", id: "replay", onclick: () => follow("") }, "Replay from the start"),
        " ",
        el(
          "button",
          { type: "button", onclick: () => download(`${path}/events`, `${runId}.ndjson`).catch(() => {}) },
          "Download NDJSON",
        ),
      ),
      eventList,
    ),
  );

  function renderHead() {
    const best = bestTrial(trials, "sharpe");
    head.replaceChildren(
      el("h1", {}, run.run_id, " ", statusBadge(run.status)),
      el(
        "p",
        { class: "summary-line", id: "summary" },
        [
          run.run_type ?? "–",
          duration(run.duration_ms ?? liveDuration()),
          `${trials.total.toLocaleString("en-US")} trials`,
          best === undefined
            ? null
            : `best sharpe ${number(trials.metrics.sharpe[best])} (${trials.trial_id[best]})`,
        ]
          .filter(Boolean)
          .join(" · "),
      ),
    );
    const git = run.git_commit
      ? `${run.git_commit.slice(0, 12)} on ${run.git_branch ?? "?"}${run.git_dirty ? " (dirty)" : ""}`
      : "–";
    const fact = (name, value) => [el("dt", {}, name), el("dd", {}, value ?? "–")];
    facts.replaceChildren(
      ...fact("status", statusBadge(run.status)),
      ...fact("type", run.run_type),
      ...fact("created", time(run.created_at)),
      ...fact("started", time(run.started_at)),
      ...fact("completed", time(run.completed_at)),
      ...fact("duration", duration(run.duration_ms ?? liveDuration())),
      ...fact("exit code", run.exit_code),
      ...fact("data fingerprint", el("code", {}, run.data_fingerprint ?? "–")),
      ...fact("git", el("code", { title: run.git_commit ?? "" }, git)),
      ...fact("workspace", run.workspace_id),
      ...fact("configuration", run.configuration_id),
    );
    configBox.replaceChildren(
      el(
        "details",
        { open: true },
        el("summary", {}, "config"),
        el("pre", {}, JSON.stringify(run.config ?? null, null, 2)),
      ),
      el(
        "details",
        { open: !!run.summary },
        el("summary", {}, "result summary"),
        el("pre", {}, JSON.stringify(run.summary ?? null, null, 2)),
      ),
    );
  }

  function liveDuration() {
    const start = Date.parse(run.started_at ?? run.created_at ?? "");
    return run.status === "running" && !Number.isNaN(start) ? Date.now() - start : null;
  }

  function renderArtifacts() {
    const list = [...artifacts.values()];
    for (const p of run.artifact_paths ?? []) if (!artifacts.has(p)) list.push({ path: p });
    if (list.length === 0) return artifactBox.replaceChildren(el("p", { class: "hint" }, "none recorded"));
    const link = (a) =>
      el(
        "a",
        {
          href: `${path}/artifacts/${a.path.split("/").map(encodeURIComponent).join("/")}`,
          download: a.path.split("/").pop(),
          onclick: (e) => {
            // A plain link cannot carry the token; fetch does, then saves what it got.
            e.preventDefault();
            download(e.currentTarget.getAttribute("href"), a.path.split("/").pop()).catch((error) =>
              alert(error.message),
            );
          },
        },
        a.path,
      );
    artifactBox.replaceChildren(
      el(
        "div",
        { class: "scroll" },
        el(
          "table",
          { class: "grid", "aria-label": "artifacts" },
          el(
            "thead",
            {},
            el(
              "tr",
              {},
              ["path", "kind", "format", "size", "sha256"].map((h) => el("th", { scope: "col" }, h)),
            ),
          ),
          el(
            "tbody",
            {},
            list.map((a) =>
              el(
                "tr",
                {},
                el("td", {}, link(a)),
                el("td", {}, a.kind ?? "–"),
                el("td", {}, a.format ?? "–"),
                el("td", { class: "num" }, bytes(a.bytes)),
                el("td", {}, el("code", { title: a.sha256 ?? "" }, a.sha256?.slice(0, 12) ?? "–")),
              ),
            ),
          ),
        ),
      ),
    );
  }

  function trialColumnsOf() {
    const cols = [
      { key: "#", label: "#", numeric: true, value: (i) => i + 1 },
      { key: "trial_id", label: "trial", value: (i) => trials.trial_id[i] },
    ];
    for (const name of Object.keys(trials.params).sort())
      cols.push({
        key: `p.${name}`,
        label: name,
        numeric: true,
        value: (i) => trials.params[name][i],
        render: (i) => {
          const v = trials.params[name][i];
          return typeof v === "number" ? number(v) : v === null ? "–" : JSON.stringify(v);
        },
      });
    for (const name of Object.keys(trials.metrics).sort())
      cols.push({
        key: `m.${name}`,
        label: name,
        numeric: true,
        value: (i) => trials.metrics[name][i],
        render: (i) => number(trials.metrics[name][i]),
      });
    cols.push({
      key: "recorded",
      label: "recorded (UTC)",
      value: (i) => trials.recorded_ms[i],
      render: (i) => time(trials.recorded_ms[i]),
    });
    return cols;
  }

  let shape = "";
  function renderTrials() {
    const names = [...Object.keys(trials.params).sort(), "|", ...Object.keys(trials.metrics).sort()].join(
      ",",
    );
    const rows = Array.from({ length: trials.total }, (_, i) => i);
    trialHead.textContent = `Trials (${trials.total.toLocaleString("en-US")})`;
    if (!table) {
      table = createTable({
        label: "trials",
        pageSize: 50,
        rowId: (i) => trials.trial_id[i] ?? "",
        columns: trialColumnsOf(),
        sort: trials.metrics.sharpe ? { key: "m.sharpe", descending: true } : undefined,
      });
      view.querySelector("#trials").append(table.element);
      shape = names;
      table.update(rows);
    } else {
      table.update(rows, names !== shape ? trialColumnsOf() : undefined);
      shape = names;
    }
    const metrics = Object.keys(trials.metrics).sort();
    const params = Object.keys(trials.params)
      .filter((p) => trials.params[p].some((v) => typeof v === "number"))
      .sort();
    fillSelect(metricSelect, metrics, metrics.includes("sharpe") ? "sharpe" : metrics[0]);
    fillSelect(paramSelect, params, params[0]);
    drawPlots();
  }

  function fillSelect(select, names, preferred) {
    const chosen = select.value || preferred;
    if ([...select.options].map((o) => o.value).join() === names.join()) return;
    select.replaceChildren(...names.map((n) => el("option", { value: n, selected: n === chosen }, n)));
  }

  function drawPlots() {
    const metric = metricSelect.value;
    if (!metric) return;
    // uPlot is the page's last script: ready by `load` at the latest.
    if (typeof uPlot === "undefined") {
      window.addEventListener("load", drawPlots, { once: true });
      return;
    }
    const width = plotWidth(historyBox);
    historyPlot(historyBox, width, trials, metric, directionSelect.value === "max");
    if (paramSelect.value) paramPlot(paramBox, width, trials, paramSelect.value, metric);
  }

  // Events can come by the thousand during a replay: each part of the page is redrawn at most
  // every quarter second (the trials, which may be 50,000 rows to sort, every second).
  const dirty = new Set();
  const timers = {};
  const drawers = {
    head: renderHead,
    artifacts: renderArtifacts,
    phases: () => phaseWaterfall(waterfall, [...phases.values()], run),
    trials: renderTrials,
    events: flushEvents,
  };
  function mark(part) {
    dirty.add(part);
    if (timers[part] || signal.aborted) return;
    timers[part] = setTimeout(
      () => {
        timers[part] = 0;
        if (signal.aborted || !dirty.delete(part)) return;
        drawers[part]();
      },
      part === "trials" && trials.total > 5000 ? 1000 : 250,
    );
  }

  const phaseOf = (name) =>
    phases.get(name) ?? {
      phase: name,
      phase_order: null,
      started_ms: null,
      completed_ms: null,
      duration_ms: null,
    };
  const apply = {
    "run.created"(e) {
      run.run_type ??= e.run_type;
      run.config ??= e.config;
      run.data_fingerprint ??= e.data_fingerprint;
      run.git_commit ??= e.git?.commit ?? null;
      run.git_branch ??= e.git?.branch ?? null;
      run.git_dirty ??= e.git?.dirty ?? null;
      run.created_at ??= new Date(e.timestamp_ms).toISOString();
      if (run.status === "unknown") run.status = "created";
    },
    "run.started"(e) {
      run.started_at ??= new Date(e.timestamp_ms).toISOString();
      if (run.status === "created" || run.status === "unknown") run.status = "running";
    },
    "run.completed"(e) {
      if (run.completed_at && Date.parse(run.completed_at) <= e.timestamp_ms) return;
      run.completed_at = new Date(e.timestamp_ms).toISOString();
      run.status = e.status;
      run.exit_code = e.exit_code ?? null;
      run.summary = e.summary;
      run.artifact_paths = e.artifact_paths;
      const start = Date.parse(run.started_at ?? run.created_at ?? "");
      run.duration_ms = Number.isNaN(start) ? null : e.timestamp_ms - start;
      mark("artifacts");
    },
    "phase.started"(e) {
      const p = phaseOf(e.phase);
      p.phase_order ??= e.phase_order ?? null;
      p.started_ms = p.started_ms === null ? e.timestamp_ms : Math.min(p.started_ms, e.timestamp_ms);
      phases.set(e.phase, p);
      mark("phases");
    },
    "phase.completed"(e) {
      const p = phaseOf(e.phase);
      if (p.completed_ms === null || e.timestamp_ms < p.completed_ms) {
        p.completed_ms = e.timestamp_ms;
        p.duration_ms = e.duration_ms;
      }
      phases.set(e.phase, p);
      mark("phases");
    },
    "trial.recorded"(e) {
      recordTrial(trials, e);
      mark("trials");
    },
    "artifact.created"(e) {
      artifacts.set(e.path, {
        artifact_id: e.artifact_id,
        kind: e.kind,
        path: e.path,
        format: e.format,
        bytes: e.bytes,
        sha256: e.sha256,
      });
      mark("artifacts");
    },
  };

  let shown = 0;
  let queued = [];
  function flushEvents() {
    const nodes = queued.map(({ event, n }) =>
      el(
        "details",
        {
          class: "event",
          ontoggle: (e) => {
            const pre = e.currentTarget.querySelector("pre");
            if (!pre.textContent) pre.textContent = JSON.stringify(event, null, 2);
          },
        },
        el("summary", {}, `#${n}  ${time(event.timestamp_ms)}  ${event.event_type}  seq ${event.seq ?? "–"}`),
        el("pre", {}),
      ),
    );
    queued = [];
    eventList.append(...nodes);
    while (eventList.childElementCount > EVENTS_SHOWN) eventList.firstElementChild.remove();
    eventCount.textContent =
      shown > EVENTS_SHOWN
        ? `(${shown.toLocaleString("en-US")} events, the last ${EVENTS_SHOWN} shown)`
        : `(${shown} events)`;
  }

  let streamControl;
  function follow(cursor) {
    streamControl?.abort();
    streamControl = new AbortController();
    const own = streamControl.signal;
    signal.addEventListener("abort", () => streamControl.abort(), { once: true });
    shown = 0;
    queued = [];
    eventList.replaceChildren();
    cursorText.textContent = cursor || "(from the start)";
    eventState.textContent = cursor ? "resuming after the index" : "replaying";
    void stream(
      `${path}/events?stream=true`,
      {
        event(type, event, id) {
          if (own.aborted) return;
          if (type === "caught-up") {
            eventState.textContent = "live";
            return;
          }
          if (id) cursorText.textContent = id;
          shown++;
          queued.push({ event, n: shown });
          if (queued.length > EVENTS_SHOWN) queued.shift();
          apply[event.event_type]?.(event);
          mark("head");
          mark("events");
        },
        state(text) {
          if (text !== "open") eventState.textContent = text;
        },
      },
      own,
      cursor,
    );
  }

  renderHead();
  renderArtifacts();
  phaseWaterfall(waterfall, [...phases.values()], run);
  renderTrials();
  // The waterfall's open phases and a running run's duration grow with the clock.
  const tick = setInterval(() => {
    if (run.status === "running" || run.status === "created") mark("phases");
  }, 1000);
  signal.addEventListener("abort", () => {
    clearInterval(tick);
    for (const t of Object.values(timers)) clearTimeout(t);
  });
  const start =
    trials.total <= FULL_REPLAY ? "" : earlierCursor(detail?.cursor ?? null, columns?.cursor ?? null);
  follow(start);
}

/** A run the index does not know yet (no daemon, or not indexed yet) is shown from its events. */
function notFound(error) {
  if (error instanceof ApiError && (error.status === 404 || error.status === 503)) return null;
  throw error;
}
