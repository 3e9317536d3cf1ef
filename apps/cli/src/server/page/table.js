// A sortable, paged table: only one page of rows is in the DOM, so 50,000 trials cost what 100
// do. Headers are buttons (Enter or Space sorts); rows take arrow keys, Home/End, PageUp/PageDown
// and Enter (open), with one row in the tab order at a time.
import { el } from "./format.js";

/**
 * @param {object} options
 * @param {{key: string, label: string, value: (row) => unknown, render?: (row) => Node|string, numeric?: boolean}[]} options.columns
 * @param {string} options.label what the table holds, for screen readers
 * @param {(row) => string} [options.rowId] `data-id` of a row
 * @param {(row) => void} [options.onOpen] Enter or a click on a row
 * @param {number} [options.pageSize] rows per page, default 100
 * @param {{key: string, descending: boolean}} [options.sort] initial sort
 * @param {(sort: {key: string, descending: boolean}) => void} [options.onSort] after a header sorts the rows
 */
export function createTable(options) {
  const pageSize = options.pageSize ?? 100;
  let columns = options.columns;
  let rows = [];
  let sorted = [];
  let sort = options.sort ?? null;
  let page = 0;
  let focusIndex = 0;
  const head = el("thead");
  const body = el("tbody");
  const table = el("table", { class: "grid", "aria-label": options.label }, head, body);
  const status = el("span", { class: "pager-status", "aria-live": "polite" });
  const button = (label, text, go) =>
    el("button", { type: "button", "aria-label": label, onclick: () => goTo(go()) }, text);
  const pager = el(
    "div",
    { class: "pager" },
    button("first page", "«", () => 0),
    button("previous page", "‹", () => page - 1),
    status,
    button("next page", "›", () => page + 1),
    button("last page", "»", () => Infinity),
  );
  const element = el("div", { class: "table-box" }, el("div", { class: "scroll" }, table), pager);

  function compare(column) {
    const dir = sort.descending ? -1 : 1;
    return (a, b) => {
      const x = column.value(a);
      const y = column.value(b);
      // Missing values go last whichever way the column is sorted.
      if (x === null || x === undefined) return y === null || y === undefined ? 0 : 1;
      if (y === null || y === undefined) return -1;
      if (typeof x === "number" && typeof y === "number") return (x - y) * dir;
      return String(x).localeCompare(String(y)) * dir;
    };
  }

  function resort() {
    const column = sort && columns.find((c) => c.key === sort.key);
    sorted = column ? [...rows].sort(compare(column)) : rows;
  }

  function renderHead() {
    head.replaceChildren(
      el(
        "tr",
        {},
        columns.map((c) => {
          const state = sort?.key === c.key ? (sort.descending ? "descending" : "ascending") : "none";
          const arrow = state === "ascending" ? " ▲" : state === "descending" ? " ▼" : "";
          return el(
            "th",
            { scope: "col", "aria-sort": state, class: c.numeric ? "num" : "" },
            el("button", { type: "button", class: "sort", onclick: () => sortBy(c.key) }, c.label, arrow),
          );
        }),
      ),
    );
  }

  function renderBody() {
    const pages = Math.max(1, Math.ceil(sorted.length / pageSize));
    page = Math.min(Math.max(0, page), pages - 1);
    const start = page * pageSize;
    const slice = sorted.slice(start, start + pageSize);
    focusIndex = Math.min(focusIndex, Math.max(0, slice.length - 1));
    body.replaceChildren(
      ...slice.map((row, i) =>
        el(
          "tr",
          {
            tabindex: i === focusIndex ? "0" : "-1",
            "data-id": options.rowId?.(row),
            class: options.onOpen ? "openable" : "",
          },
          columns.map((c) =>
            el("td", { class: c.numeric ? "num" : "" }, c.render ? c.render(row) : c.value(row)),
          ),
        ),
      ),
    );
    if (slice.length === 0)
      body.append(
        el("tr", {}, el("td", { colspan: String(columns.length), class: "empty" }, "nothing to show")),
      );
    status.textContent =
      sorted.length === 0
        ? "0 rows"
        : `${(start + 1).toLocaleString("en-US")}–${(start + slice.length).toLocaleString("en-US")} of ${sorted.length.toLocaleString("en-US")}`;
    pager.hidden = sorted.length <= pageSize;
  }

  function goTo(next) {
    page = next === Infinity ? Math.ceil(sorted.length / pageSize) - 1 : next;
    renderBody();
  }

  function sortBy(key) {
    sort =
      sort?.key === key
        ? { key, descending: !sort.descending }
        : { key, descending: columns.find((c) => c.key === key)?.numeric ?? false };
    page = 0;
    resort();
    renderHead();
    renderBody();
    options.onSort?.(sort);
  }

  function focusRow(index) {
    const list = body.rows;
    if (list.length === 0) return;
    focusIndex = Math.min(Math.max(0, index), list.length - 1);
    for (const [i, tr] of [...list].entries()) tr.tabIndex = i === focusIndex ? 0 : -1;
    list[focusIndex].focus();
  }

  body.addEventListener("keydown", (event) => {
    const tr = event.target.closest("tr");
    if (!tr) return;
    const index = [...body.rows].indexOf(tr);
    const moves = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: body.rows.length - 1 };
    if (event.key in moves) {
      event.preventDefault();
      focusRow(moves[event.key]);
    } else if (event.key === "PageDown" || event.key === "PageUp") {
      event.preventDefault();
      goTo(page + (event.key === "PageDown" ? 1 : -1));
      focusRow(0);
    } else if (event.key === "Enter" && options.onOpen && event.target === tr) {
      options.onOpen(sorted[page * pageSize + index]);
    }
  });
  body.addEventListener("click", (event) => {
    const tr = event.target.closest("tr");
    if (!tr || !options.onOpen || event.target.closest("a, button, input, label")) return;
    options.onOpen(sorted[page * pageSize + [...body.rows].indexOf(tr)]);
  });

  renderHead();
  renderBody();
  return {
    element,
    /** New rows (and columns, when given); the sort and the page are kept. */
    update(nextRows, nextColumns) {
      rows = nextRows;
      if (nextColumns) {
        columns = nextColumns;
        renderHead();
      }
      // Focus stays where it was when the rows under it are redrawn.
      const hadFocus = body.contains(document.activeElement);
      resort();
      renderBody();
      if (hadFocus) focusRow(focusIndex);
    },
    get rows() {
      return sorted;
    },
  };
}
