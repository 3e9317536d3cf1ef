// A run's trials by column, as `GET /runs/{id}/trials` sends them, and kept current by the
// run's `trial.recorded` events: a trial seen again (replay over what the index holds) replaces
// itself rather than coming twice.

export function trialStore(columns) {
  let index;
  return {
    trial_id: columns?.trial_id ?? [],
    recorded_ms: columns?.recorded_ms ?? [],
    params: columns?.params ?? {},
    metrics: columns?.metrics ?? {},
    /** Row of each trial id, made on the first live trial: a finished run never needs it. */
    get index() {
      if (!index) {
        index = new Map();
        for (const [i, id] of this.trial_id.entries()) index.set(id ?? `@${this.recorded_ms[i]}`, i);
      }
      return index;
    },
    get total() {
      return this.trial_id.length;
    },
  };
}

/** Adds or replaces the trial of a `trial.recorded` event. */
export function recordTrial(store, event) {
  const key = event.trial_id ?? `@${event.timestamp_ms}`;
  let i = store.index.get(key);
  if (i === undefined) {
    i = store.trial_id.length;
    store.index.set(key, i);
    store.trial_id.push(event.trial_id ?? null);
    store.recorded_ms.push(event.timestamp_ms);
    for (const values of [...Object.values(store.params), ...Object.values(store.metrics)]) values.push(null);
  }
  const put = (into, name, value) => {
    into[name] ??= new Array(store.trial_id.length).fill(null);
    into[name][i] = value;
  };
  for (const [name, value] of Object.entries(event.params ?? {})) put(store.params, name, value);
  for (const [name, value] of Object.entries(event.metrics ?? {}))
    put(store.metrics, name, typeof value === "number" ? value : null);
}

/** The trial with the highest value of `metric` (the earliest among equals), or undefined. */
export function bestTrial(store, metric, highest = true) {
  const values = store.metrics[metric];
  if (!values) return undefined;
  let best;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null) continue;
    if (best === undefined || (highest ? v > values[best] : v < values[best])) best = i;
  }
  return best;
}
