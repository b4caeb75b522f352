// A view's list, drawn from its definition: the search's filters, the columns, sorting where
// the list query sorts, and paging by cursor.

import { formOf, h, labelled, show, uniqueId } from "./dom.js";
import { format, input, inputValue, isNumeric, valueAt } from "./fields.js";
import { named } from "./schema.js";

const PAGE = 20;

/** Draws the list of `view` into `root`; `state` is the route's (filters, sort, page). */
export async function drawList(app, root, view, state) {
  const catalogue = app.catalogue;
  const fields = new Map(catalogue.fields(view).map((f) => [f.name, f]));
  const query = catalogue.listQuery(view);
  const filters = state.filters || {};
  const cursors = state.cursors || [null];
  const sortable = sortFields(catalogue, view);

  const where = {};
  for (const fixed of view.list.fixed) where[fixed.field] = fixed.value;
  for (const [name, value] of Object.entries(filters)) {
    if (value !== null && value !== "" && value !== undefined) where[name] = value;
  }
  const variables = { first: PAGE, after: cursors[cursors.length - 1] };
  if (catalogue.whereType(view)) variables.where = where;
  if (sortable && state.sort) variables.orderBy = state.sort;

  // the records a reference filter may pick.
  for (const filter of view.search) {
    if (filter.relation) await app.loadOptions(filter.relation);
  }
  const status = h("p", { class: "status", role: "status" }, "Loading…");
  show(root, header(app, view), searchForm(app, view, state), status);
  let page;
  try {
    const data = await app.api.request(query, variables);
    page = view.source.kind === "CONFIGURATION" ? data.configuration[view.source.list] : data[view.source.list];
  } catch (error) {
    if (error.code === "UNAUTHENTICATED") return app.failed(error);
    status.textContent = error.message;
    status.classList.add("error");
    return;
  }
  const first = (cursors.length - 1) * PAGE;
  status.textContent =
    page.totalCount === 0
      ? "No records."
      : `${first + 1}–${first + page.nodes.length} of ${page.totalCountIsEstimate ? "about " : ""}${page.totalCount}`;

  const columns = view.list.columns;
  const sortHeader = (column) => {
    const value = sortable && sortable.get(column.field);
    if (!value) return column.label;
    const current = state.sort && state.sort.field === value ? state.sort.direction : null;
    const next = current === "ASC" ? "DESC" : "ASC";
    return h(
      "button",
      {
        class: "link",
        onclick: () => app.go({ ...state, sort: { field: value, direction: next }, cursors: [null] }),
        "aria-sort": current === "ASC" ? "ascending" : current === "DESC" ? "descending" : null,
      },
      column.label,
      current ? (current === "ASC" ? " ▲" : " ▼") : "",
    );
  };
  const key = view.source.key || "id";
  const table = h(
    "table",
    { class: "list", "aria-label": view.title },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        columns.map((c) =>
          h("th", { scope: "col", class: isNumeric(fields.get(c.field)) ? "number" : null }, sortHeader(c)),
        ),
      ),
    ),
    h(
      "tbody",
      {},
      page.nodes.map((record) =>
        h(
          "tr",
          {},
          columns.map((c, i) => {
            const field = fields.get(c.field);
            const text = format(catalogue, field, valueAt(record, c.field));
            const cell = i === 0
              ? h("a", { href: `#/form/${view.name}/${encodeURIComponent(record[key])}` }, text || "(none)")
              : text;
            return h("td", { class: isNumeric(field) ? "number" : null }, cell);
          }),
        ),
      ),
    ),
  );
  const pager = h(
    "nav",
    { class: "pager", "aria-label": "Pages" },
    h(
      "button",
      {
        disabled: cursors.length <= 1,
        onclick: () => app.go({ ...state, cursors: cursors.slice(0, -1) }),
      },
      "Previous",
    ),
    h(
      "button",
      {
        disabled: !page.pageInfo.hasNextPage,
        onclick: () => app.go({ ...state, cursors: [...cursors, page.pageInfo.endCursor] }),
      },
      "Next",
    ),
  );
  root.append(table, pager);
}

function header(app, view) {
  const canCreate = view.create && view.access.create;
  return h(
    "div",
    { class: "title-bar" },
    h("h1", {}, view.title),
    canCreate
      ? h("a", { class: "button primary", href: `#/new/${view.name}` }, "New")
      : null,
  );
}

/** The search: one control per filter of the view, applied on submit. */
function searchForm(app, view, state) {
  if (!view.search.length) return null;
  const controls = view.search.map((filter) => {
    const id = uniqueId(`filter-${filter.name}`);
    const value = (state.filters || {})[filter.name];
    const field = { ...filter, required: false };
    const control =
      filter.type === "BOOLEAN"
        ? h(
            "select",
            { id, name: filter.name },
            h("option", { value: "" }, "Any"),
            h("option", { value: "true", selected: value === true }, "Yes"),
            h("option", { value: "false", selected: value === false }, "No"),
          )
        : input(app.catalogue, field, value, { id, options: app.optionsOf(filter.relation) });
    return labelled(filter.label, control);
  });
  const form = formOf(
    { class: "search", role: "search" },
    () => {
      const filters = {};
      for (const element of form.querySelectorAll("[name]")) {
        const filter = view.search.find((f) => f.name === element.name);
        if (!filter) continue;
        if (filter.type === "BOOLEAN") {
          filters[filter.name] = element.value === "" ? null : element.value === "true";
        } else {
          filters[filter.name] = inputValue(filter, element);
        }
      }
      app.go({ ...state, filters, cursors: [null] });
    },
    controls,
    h("button", { type: "submit" }, "Search"),
  );
  return form;
}

/** The list's sortable columns: column name to the `orderBy.field` value that sorts by it. */
function sortFields(catalogue, view) {
  const list = catalogue.listField(view);
  const arg = list && list.args.find((a) => a.name === "orderBy");
  if (!arg) return null;
  const input = catalogue.schema.types.get(named(arg.type));
  const field = input && (input.inputFields || []).find((f) => f.name === "field");
  const values = field ? catalogue.schema.types.get(named(field.type)).enumValues : [];
  const sortable = new Map();
  for (const column of view.list.columns) {
    const upper = column.field.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
    if (values.some((v) => v.name === upper)) sortable.set(column.field, upper);
  }
  return sortable;
}
