// The run's two plots, drawn by uPlot (served from the installed package): a metric over the
// trials in recorded order with its best so far, and a parameter against a metric.

const BLUE = "#1d4ed8";
const AMBER = "#b45309";

/** Whole numbers only on the trial axis. */
const WHOLE = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000];

function chart(container, title, xLabel, yLabel, series, data, xAxis = {}) {
  container.uplot?.destroy();
  container.replaceChildren();
  const width = Math.max(280, container.clientWidth || 600);
  const plot = new uPlot(
    {
      title,
      width,
      height: 280,
      scales: { x: { time: false } },
      legend: { live: true },
      axes: [{ label: xLabel, ...xAxis }, { label: yLabel }],
      series: [{ label: xLabel }, ...series],
    },
    data,
    container,
  );
  container.uplot = plot;
  container.dataset.points = String(data[0].length);
  return plot;
}

/** Points without a line; smaller when there are many, so 50,000 stay readable. */
const dots = (label, stroke, count) => ({
  label,
  stroke,
  fill: stroke,
  paths: () => null,
  points: { show: true, size: count > 2000 ? 3 : 7, stroke, fill: stroke },
});

/** `metric` of every trial with a value, by trial number, and the best so far (higher or lower). */
export function historyPlot(container, store, metric, highest) {
  const values = store.metrics[metric] ?? [];
  const xs = [];
  const ys = [];
  const best = [];
  let top = null;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    if (top === null || (highest ? v > top : v < top)) top = v;
    xs.push(i + 1);
    ys.push(v);
    best.push(top);
  }
  const line = { label: "best so far", stroke: AMBER, width: 2, points: { show: false } };
  if (uPlot.paths?.stepped) line.paths = uPlot.paths.stepped({ align: 1 });
  return chart(
    container,
    `${metric} over trials`,
    "trial",
    metric,
    [dots(metric, BLUE, xs.length), line],
    [xs, ys, best],
    { incrs: WHOLE },
  );
}

/** `metric` against a numeric parameter, one point per trial that has both. */
export function paramPlot(container, store, param, metric) {
  const xs = store.params[param] ?? [];
  const ys = store.metrics[metric] ?? [];
  const pairs = [];
  for (let i = 0; i < xs.length; i++) {
    if (typeof xs[i] === "number" && typeof ys[i] === "number") pairs.push([xs[i], ys[i]]);
  }
  // uPlot wants x ascending; several trials may share one x.
  pairs.sort((a, b) => a[0] - b[0]);
  return chart(
    container,
    `${metric} by ${param}`,
    param,
    metric,
    [dots(metric, BLUE, pairs.length)],
    [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
  );
}
