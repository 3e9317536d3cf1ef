// Talking to the server: the bearer token, JSON requests and Server-Sent Events read with
// fetch (EventSource cannot send an Authorization header).

const KEY = "ledger.token";

// `#token=...` in the address still works: it is moved to sessionStorage and out of the address.
{
  const hash = new URLSearchParams(location.hash.slice(1));
  const given = hash.get("token");
  if (given) {
    sessionStorage.setItem(KEY, given);
    history.replaceState(null, "", `${location.pathname}${location.search}#/`);
  }
}

function headers() {
  const token = sessionStorage.getItem(KEY);
  return token ? { authorization: `Bearer ${token}` } : {};
}

let asking;

/** Shows the token prompt (once, however many requests were refused) and waits for an answer. */
function askToken(refused) {
  asking ??= new Promise((resolve) => {
    const dialog = document.getElementById("token-dialog");
    const input = document.getElementById("token-input");
    document.getElementById("token-error").hidden = !refused;
    dialog.addEventListener(
      "close",
      () => {
        if (input.value) sessionStorage.setItem(KEY, input.value);
        input.value = "";
        asking = undefined;
        resolve();
      },
      { once: true },
    );
    dialog.showModal();
    input.focus();
  });
  return asking;
}

/**
 * A 401 asks for the token and tries again; a second refusal says so in the prompt. A server
 * that wants a token says so on the page, so it is asked for before the first request.
 */
async function authorizedFetch(path, init = {}) {
  if (document.documentElement.dataset.auth === "bearer" && sessionStorage.getItem(KEY) === null)
    await askToken(false);
  for (;;) {
    const response = await fetch(path, { ...init, headers: { ...headers(), ...init.headers } });
    if (response.status !== 401) return response;
    await askToken(true);
  }
}

export class ApiError extends Error {
  constructor(path, status, message) {
    super(`${message} (${status})`);
    this.path = path;
    this.status = status;
  }
}

/** GET `path` as JSON; an error response throws `ApiError` with the server's one-line message. */
export async function api(path, signal) {
  const response = await authorizedFetch(path, signal ? { signal } : {});
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new ApiError(path, response.status, body.error ?? response.statusText);
  }
  return response.json();
}

/** Downloads `path` through fetch, so the token goes with it, and saves it as `name`. */
export async function download(path, name) {
  const response = await authorizedFetch(path);
  if (!response.ok) throw new ApiError(path, response.status, "download failed");
  const url = URL.createObjectURL(await response.blob());
  const a = Object.assign(document.createElement("a"), { href: url, download: name });
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const hasToken = () => sessionStorage.getItem(KEY) !== null;

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });

/**
 * Reads the SSE stream at `path` until `signal` aborts, reconnecting after a drop with the last
 * id seen as `Last-Event-ID`, as EventSource does. `on.event(type, data, id)` gets each event
 * (`type` "message" when unnamed, `data` parsed as JSON); `on.state(text)` connection changes.
 * Resolves, never rejects, once aborted: an aborted fetch is the way out, not an error.
 */
export async function stream(path, on, signal, lastId = "") {
  while (!signal.aborted) {
    try {
      const extra = lastId ? { "last-event-id": lastId } : {};
      const response = await authorizedFetch(path, { headers: extra, signal });
      if (!response.ok) throw new ApiError(path, response.status, "stream refused");
      on.state?.("open");
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let type = "message";
          let id;
          const data = [];
          for (const line of frame.split("\n")) {
            if (line.startsWith("event: ")) type = line.slice(7);
            else if (line.startsWith("data: ")) data.push(line.slice(6));
            else if (line.startsWith("id: ")) id = line.slice(4);
          }
          if (data.length === 0) continue;
          if (id !== undefined) lastId = id;
          on.event(type, JSON.parse(data.join("\n")), id);
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      on.state?.(`error: ${error.message ?? error}`);
    }
    if (signal.aborted) return;
    on.state?.("reconnecting");
    await sleep(2000, signal);
  }
}
