// The phase timeline: one bar per phase, placed on the run's own time axis, open phases growing
// with the clock while the run goes on.
import { duration, el } from "./format.js";

export function phaseWaterfall(container, phases, run) {
  const list = [...phases].sort(
    (a, b) =>
      (a.phase_order ?? Infinity) - (b.phase_order ?? Infinity) || (a.started_ms ?? 0) - (b.started_ms ?? 0),
  );
  if (list.length === 0) return container.replaceChildren(el("p", { class: "hint" }, "no phases yet"));
  const open = run.status === "running" || run.status === "created";
  const now = Date.now();
  const endOf = (p) =>
    p.completed_ms ??
    (p.started_ms !== null && p.duration_ms !== null
      ? p.started_ms + p.duration_ms
      : open
        ? now
        : p.started_ms);
  const starts = list
    .map(
      (p) =>
        p.started_ms ??
        (p.completed_ms !== null && p.duration_ms !== null ? p.completed_ms - p.duration_ms : null),
    )
    .filter((t) => t !== null);
  const t0 = Math.min(...starts, Date.parse(run.started_at ?? "") || Infinity);
  const t1 = Math.max(...list.map(endOf).filter((t) => t !== null), t0 + 1);
  const span = t1 - t0;
  container.replaceChildren(
    el("div", { class: "axis", "aria-hidden": "true" }, el("span", {}, "0"), el("span", {}, duration(span))),
    ...list.map((p) => {
      const start =
        p.started_ms ??
        (p.completed_ms !== null && p.duration_ms !== null ? p.completed_ms - p.duration_ms : t0);
      const end = endOf(p) ?? start;
      const done = p.completed_ms !== null;
      const took = p.duration_ms ?? end - start;
      const left = ((start - t0) / span) * 100;
      const width = Math.max(0.5, ((end - start) / span) * 100);
      const state = done ? "completed" : open ? "running" : "never completed";
      return el(
        "div",
        {
          class: `phase ${done ? "done" : open ? "open" : "stuck"}`,
          role: "listitem",
          "data-phase": p.phase,
        },
        el("span", { class: "phase-name" }, `${p.phase_order ?? "–"}. ${p.phase}`),
        el(
          "span",
          { class: "track" },
          el("span", {
            class: "bar",
            style: `left:${left.toFixed(2)}%;width:${Math.min(width, 100 - left).toFixed(2)}%`,
          }),
        ),
        el("span", { class: "phase-time" }, `${duration(took)}${done ? "" : ` (${state})`}`),
      );
    }),
  );
}
