// The page: a hash router over its three views.
import { followChanges } from "./changes.js";
import { showCompare } from "./compare.js";
import { el } from "./format.js";
import { showRun } from "./run.js";
import { showRuns } from "./runs.js";

const view = document.getElementById("view");
let current;

function route() {
  current?.abort();
  current = new AbortController();
  const signal = current.signal;
  const hash = decodeURIComponent(location.hash.replace(/^#\/?/, ""));
  const [name, ...rest] = hash.split("/");
  const arg = rest.join("/");
  view.replaceChildren();
  const show =
    name === "run" && arg
      ? showRun(view, arg, signal)
      : name === "compare"
        ? showCompare(view, arg ? arg.split(",").filter(Boolean) : [], signal)
        : showRuns(view, new URLSearchParams(hash.split("?")[1] ?? ""), signal);
  show.catch((error) => {
    if (signal.aborted) return;
    view.append(el("p", { class: "error", role: "alert" }, String(error.message ?? error)));
  });
}

window.addEventListener("hashchange", route);
followChanges();
route();
