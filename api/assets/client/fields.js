// A field's value as a person reads it, and the input that edits it, by the field's type in
// the view definition.

import { h, show } from "./dom.js";

/** The value at `path` (`address.city`) of `record`. */
export function valueAt(record, path) {
  return path.split(".").reduce((at, step) => (at == null ? null : at[step]), record);
}

const NUMERIC = new Set(["INTEGER", "DECIMAL", "MONEY", "QUANTITY", "PERCENT"]);

/** Whether a field's values are numbers (right-aligned in lists). */
export function isNumeric(field) {
  return Boolean(field && NUMERIC.has(field.type));
}

/**
 * `value` of `field` as text: a selection by its label, a reference by what shows it, a
 * boolean as Yes/No; amounts exactly as the server sent them.
 */
export function format(catalogue, field, value) {
  if (value === null || value === undefined) return "";
  if (!field) return typeof value === "object" ? JSON.stringify(value) : String(value);
  switch (field.type) {
    case "BOOLEAN":
      return value ? "Yes" : "No";
    case "SELECTION": {
      const option = (field.selection || []).find((s) => s.value === value);
      return option ? option.label : String(value);
    }
    case "PERCENT":
      return `${value} %`;
    case "DATE_TIME":
      return new Date(value).toLocaleString();
    case "MANY_TO_ONE":
      return referenceText(catalogue, field.relation, value);
    case "MANY_TO_MANY":
      return (Array.isArray(value) ? value : [value])
        .map((v) => referenceText(catalogue, field.relation, v))
        .join(", ");
    case "ONE_TO_MANY":
      return `${Array.isArray(value) ? value.length : 0} lines`;
    case "CODES":
      return (Array.isArray(value) ? value : [value]).join(", ");
    default:
      return String(value);
  }
}

/** A record of view `relation` (an object, or its key alone) as text. */
export function referenceText(catalogue, relation, value) {
  if (value === null || value === undefined) return "";
  if (typeof value !== "object") return String(value);
  const view = catalogue.view(relation);
  if (!view) return value.id || "";
  const { key, shown } = catalogue.display(view);
  return String(value[shown] ?? value[key] ?? value.id ?? "");
}

/** The key a reference sends in an input: the record's id, or its code. */
export function referenceKey(catalogue, relation, value) {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value !== "object") return value;
  const view = catalogue.view(relation);
  const key = view ? catalogue.display(view).key : "id";
  return value[key] ?? value.id ?? null;
}

/**
 * An input for `field` holding `value`, labelled by `id`'s label. `options` are the records a
 * reference may point to ([{ key, text }]).
 */
export function input(catalogue, field, value, { id, disabled, options }) {
  const common = {
    id,
    name: field.name,
    disabled,
    required: field.required && !disabled,
    "aria-describedby": `${id}-error`,
  };
  switch (field.type) {
    case "BOOLEAN":
      return h("input", { ...common, type: "checkbox", required: false, checked: Boolean(value) });
    case "SELECTION":
      return h(
        "select",
        common,
        h("option", { value: "" }, ""),
        (field.selection || []).map((s) =>
          h("option", { value: s.value, selected: s.value === value }, s.label),
        ),
      );
    case "MANY_TO_ONE": {
      const current = referenceKey(catalogue, field.relation, value);
      const known = (options || []).some((o) => o.key === current);
      const select = h(
        "select",
        common,
        h("option", { value: "" }, ""),
        !known && current
          ? h("option", { value: current, selected: true }, referenceText(catalogue, field.relation, value))
          : null,
        (options || []).map((o) => h("option", { value: o.key, selected: o.key === current }, o.text)),
      );
      // more records than the first hundred: a search box finds the others (see `searchBox`).
      if (options && options.more && options.search) select.searchBox = searchBox(select, field, options.search);
      return select;
    }
    case "MANY_TO_MANY": {
      const keys = (Array.isArray(value) ? value : []).map((v) =>
        referenceKey(catalogue, field.relation, v),
      );
      return h("input", {
        ...common,
        type: "text",
        value: keys.join(", "),
        placeholder: "codes, separated by commas",
      });
    }
    case "CODES":
      return h("input", {
        ...common,
        type: "text",
        value: (Array.isArray(value) ? value : []).join(", "),
        placeholder: "codes, separated by commas",
      });
    case "DATE":
      return h("input", { ...common, type: "date", value: value || "" });
    case "EMAIL":
      return h("input", { ...common, type: "email", value: value || "" });
    case "PHONE":
      return h("input", { ...common, type: "tel", value: value || "" });
    case "INTEGER":
    case "DECIMAL":
    case "MONEY":
    case "QUANTITY":
    case "PERCENT":
      return h("input", {
        ...common,
        type: "text",
        inputmode: "decimal",
        value: value ?? "",
      });
    default:
      return h("input", { ...common, type: "text", value: value ?? "" });
  }
}

/** What an input holds, as the API takes it for `field` (null when empty). */
export function inputValue(field, element) {
  switch (field.type) {
    case "BOOLEAN":
      return element.checked;
    case "MANY_TO_MANY":
    case "CODES":
      return element.value
        .split(",")
        .map((v) => v.trim())
        .filter(Boolean);
    case "INTEGER": {
      const text = element.value.trim();
      return text === "" ? null : Number.parseInt(text, 10);
    }
    default: {
      const text = element.value.trim();
      return text === "" ? null : text;
    }
  }
}

/**
 * A search box for `select` (a reference's choices, the first hundred of more): what is typed
 * is searched for (`search(text)`, once typing rests), and the choices become what it found,
 * the one chosen kept.
 */
function searchBox(select, field, search) {
  let turn = 0;
  let resting = null;
  const box = h("input", {
    type: "search",
    class: "reference-search",
    "aria-label": `Search ${field.label}`,
    placeholder: "Search…",
  });
  const find = async () => {
    const mine = ++turn;
    const found = await search(box.value.trim());
    if (mine !== turn) return;
    const chosen = select.selectedOptions[0];
    const keep = chosen && chosen.value ? chosen : null;
    show(
      select,
      h("option", { value: "" }, ""),
      keep,
      found
        .filter((o) => !keep || o.key !== keep.value)
        .map((o) => h("option", { value: o.key }, o.text)),
    );
    if (keep) {
      select.value = keep.value;
    } else if (found.length === 1) {
      select.value = found[0].key;
      select.dispatchEvent(new Event("input", { bubbles: true }));
    }
  };
  box.addEventListener("input", () => {
    clearTimeout(resting);
    resting = setTimeout(find, 250);
  });
  // Enter searches at once; it does not submit the form the box is in.
  box.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    clearTimeout(resting);
    find();
  });
  return box;
}
