/**
 * The web page: the runs list (refreshed every two seconds) and a run's phases with its live
 * event stream. Plain HTML and JavaScript, no build step. The stream is read with `fetch` rather
 * than `EventSource` so that it can send the bearer token (give it once as `#token=...`).
 */
export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ledger</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #222; }
  table { border-collapse: collapse; margin: .5rem 0 1.5rem; }
  th, td { text-align: left; padding: .25rem .75rem; border-bottom: 1px solid #ddd; }
  .succeeded { color: #17803d; } .failed, .cancelled { color: #b42318; } .running, .created { color: #b54708; }
  #events { font: 12px ui-monospace, monospace; max-height: 40vh; overflow: auto; background: #f6f6f6; padding: .5rem; }
  a { color: #1d4ed8; cursor: pointer; }
</style>
</head>
<body>
<h1><a id="home">ledger</a></h1>
<div id="list"><h2>Runs</h2><table id="runs"><thead><tr><th>run</th><th>type</th><th>status</th><th>created</th><th>duration</th></tr></thead><tbody></tbody></table></div>
<div id="detail" hidden>
  <h2 id="title"></h2><p id="summary"></p>
  <h3>Phases</h3><table id="phases"><thead><tr><th>#</th><th>phase</th><th>duration ms</th></tr></thead><tbody></tbody></table>
  <h3>Events <small id="state">connecting</small></h3><div id="events"></div>
</div>
<script>
const hash = new URLSearchParams(location.hash.slice(1));
if (hash.get("token")) localStorage.setItem("ledgerToken", hash.get("token"));
const token = localStorage.getItem("ledgerToken");
const headers = token ? { authorization: "Bearer " + token } : {};
const $ = (id) => document.getElementById(id);
const cell = (text, cls) => { const td = document.createElement("td"); td.textContent = text ?? "-"; if (cls) td.className = cls; return td; };
let stream;

async function api(path) {
  const r = await fetch(path, { headers });
  if (!r.ok) throw new Error(path + ": " + r.status);
  return r.json();
}

async function showRuns() {
  try {
    const { runs } = await api("/runs?limit=200");
    const body = $("runs").tBodies[0];
    body.replaceChildren(...runs.map((run) => {
      const tr = document.createElement("tr");
      const a = document.createElement("a"); a.textContent = run.run_id; a.onclick = () => open(run.run_id);
      const first = document.createElement("td"); first.append(a);
      tr.dataset.run = run.run_id;
      tr.append(first, cell(run.run_type), cell(run.status, run.status), cell(run.created_at), cell(run.duration_ms));
      return tr;
    }));
  } catch (e) { $("runs").tBodies[0].textContent = String(e); }
}

async function open(runId) {
  stream?.abort();
  $("list").hidden = true; $("detail").hidden = false;
  $("title").textContent = runId; $("events").replaceChildren();
  const detail = await api("/runs/" + encodeURIComponent(runId));
  $("summary").textContent = detail.run.status + " · " + (detail.run.run_type ?? "") + " · " + detail.trials + " trials";
  $("summary").className = detail.run.status;
  $("phases").tBodies[0].replaceChildren(...detail.phases.map((p) => {
    const tr = document.createElement("tr"); tr.append(cell(p.phase_order), cell(p.phase), cell(p.duration_ms)); return tr;
  }));
  follow(runId);
}

async function follow(runId) {
  stream = new AbortController();
  const signal = stream.signal;
  let cursor = "";
  let shown = 0;
  // A dropped connection resumes from the cursor of the last event shown, as EventSource would.
  while (!signal.aborted) {
    try {
      const query = cursor ? "&cursor=" + encodeURIComponent(cursor) : "";
      const r = await fetch("/runs/" + encodeURIComponent(runId) + "/events?stream=true" + query, { headers, signal });
      if (!r.ok) throw new Error("events: " + r.status);
      $("state").textContent = cursor ? "resuming" : "replaying";
      const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\\n\\n")) >= 0) {
          const frame = buffer.slice(0, end); buffer = buffer.slice(end + 2);
          const lines = frame.split("\\n");
          const type = lines.find((l) => l.startsWith("event: "))?.slice(7);
          const data = lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\\n");
          if (type === "caught-up") { $("state").textContent = "live"; continue; }
          if (!data) continue;
          const e = JSON.parse(data);
          cursor = lines.find((l) => l.startsWith("id: "))?.slice(4) ?? cursor;
          const line = document.createElement("div");
          line.className = "event";
          // seq counts per writing process, so the line number is the event's place in this view.
          line.textContent = "#" + ++shown + "  " + new Date(e.timestamp_ms).toISOString() + "  " + e.event_type + "  seq " + (e.seq ?? "-");
          $("events").append(line);
        }
      }
    } catch (e) {
      if (signal.aborted) return;
      $("state").textContent = String(e.message ?? e);
    }
    if (!signal.aborted) { $("state").textContent = "reconnecting"; await new Promise((r) => setTimeout(r, 2000)); }
  }
}

$("home").onclick = () => { stream?.abort(); $("detail").hidden = true; $("list").hidden = false; showRuns(); };
showRuns();
setInterval(() => { if (!$("list").hidden) showRuns(); }, 2000);
</script>
</body>
</html>
`;
