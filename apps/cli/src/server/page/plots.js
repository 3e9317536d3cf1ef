// The run's two plots, drawn by uPlot (served from the installed package): a metric over the
// trials in recorded order with its best so far, and a parameter against a metric.

const BLUE = "#1d4ed8";
const AMBER = "#b45309";

/** Whole numbers only on the trial axis. */
const WHOLE = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000];

/** The width a plot in `container` gets: read for both plots before either is drawn, one layout. */
export function plotWidth(container) {
  return Math.max(280, container.clientWidth || 600);
}

function chart(container, width, title, xLabel, yLabel, series, data, xAxis = {}) {
  container.uplot?.destroy();
  container.replaceChildren();
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

/**
 * Draws a series as dots straight onto the canvas, one small square per pixel that has any: at
 * 50,000 trials most points share a pixel, and uPlot's own points (an arc each) take a second.
 */
function drawDots(u, seriesIndex, idx0, idx1) {
  const series = u.series[seriesIndex];
  const xs = u.data[0];
  const ys = u.data[seriesIndex];
  const { left, top, width, height } = u.bbox;
  const size = Math.max(2, Math.round((xs.length > 2000 ? 3 : 6) * devicePixelRatio));
  const seen = new Uint8Array(Math.ceil(width) * Math.ceil(height) + 1);
  const path = new Path2D();
  for (let i = idx0; i <= idx1; i++) {
    const y = ys[i];
    if (y === null || y === undefined) continue;
    const px = Math.round(u.valToPos(xs[i], "x", true) - left);
    const py = Math.round(u.valToPos(y, "y", true) - top);
    if (px < 0 || py < 0 || px >= width || py >= height) continue;
    const cell = py * Math.ceil(width) + px;
    if (seen[cell]) continue;
    seen[cell] = 1;
    path.rect(left + px - size / 2, top + py - size / 2, size, size);
  }
  u.ctx.save();
  u.ctx.fillStyle = typeof series.stroke === "function" ? series.stroke(u, seriesIndex) : series.stroke;
  u.ctx.fill(path);
  u.ctx.restore();
  return null;
}

/** Points without a line, drawn by `drawDots`; uPlot still shows the hovered one. */
const dots = (label, stroke) => ({
  label,
  stroke,
  fill: stroke,
  paths: drawDots,
  points: { show: false },
});

/** `metric` of every trial with a value, by trial number, and the best so far (higher or lower). */
export function historyPlot(container, width, store, metric, highest) {
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
    width,
    `${metric} over trials`,
    "trial",
    metric,
    [dots(metric, BLUE), line],
    [xs, ys, best],
    { incrs: WHOLE },
  );
}

/** `metric` against a numeric parameter, one point per trial that has both. */
export function paramPlot(container, width, store, param, metric) {
  const xs = store.params[param] ?? [];
  const ys = store.metrics[metric] ?? [];
  const both = [];
  for (let i = 0; i < xs.length; i++) {
    if (typeof xs[i] === "number" && typeof ys[i] === "number") both.push(i);
  }
  // uPlot wants x ascending; several trials may share one x.
  both.sort((a, b) => xs[a] - xs[b]);
  return chart(
    container,
    width,
    `${metric} by ${param}`,
    param,
    metric,
    [dots(metric, BLUE)],
    [both.map((i) => xs[i]), both.map((i) => ys[i])],
  );
}
