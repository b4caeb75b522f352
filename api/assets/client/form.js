// A record's form, drawn from its view: groups of fields, lines as a table, the state's
// actions as buttons; saved with the version it was read at, so that a change someone else
// saved first is a clear conflict, not lost.

import { formOf, h, show, uniqueId } from "./dom.js";
import { format, input, inputValue, isNumeric, referenceKey, valueAt } from "./fields.js";
import { isList, named } from "./schema.js";

/**
 * Draws record `key` of `view` (a new one when `key` is null) into `root`; with `asOf` (a log
 * position), read-only as it stood then.
 */
export async function drawForm(app, root, view, key, asOf = null) {
  const catalogue = app.catalogue;
  let record = null;
  if (key !== null || view.source.kind === "SINGLE") {
    show(root, h("p", { class: "status", role: "status" }, "Loading…"));
    try {
      const variables = key === null ? {} : { key };
      if (asOf !== null) variables.asOf = { position: asOf };
      const query = catalogue.oneQuery(view, { asOf: asOf !== null });
      const data = await app.api.request(query, variables);
      record = view.source.kind === "RECORDS" ? data.record : data.configuration.record;
    } catch (error) {
      if (error.code === "UNAUTHENTICATED") return app.failed(error);
      show(root, h("p", { class: "status error", role: "alert" }, error.message));
      return;
    }
    if (!record) {
      show(root, h("p", { class: "status error", role: "alert" }, `No such ${view.title.toLowerCase()}.`));
      return;
    }
  }
  const form = new RecordForm(app, view, record, asOf);
  if (asOf === null) await form.loadOptions();
  form.draw(root);
  return form;
}

class RecordForm {
  constructor(app, view, record, asOf = null) {
    this.app = app;
    this.view = view;
    this.record = record;
    this.asOf = asOf;
    this.isNew = record === null;
    this.inputs = new Map();
    this.lines = new Map();
    this.options = new Map();
  }

  get catalogue() {
    return this.app.catalogue;
  }

  get state() {
    return this.record && this.view.stateField ? this.record[this.view.stateField] : null;
  }

  /** Whether `field` may be changed now. */
  editable(field) {
    if (field.readOnly || this.asOf !== null) return false;
    const mutation = this.isNew ? this.view.create : this.view.update;
    const right = this.isNew ? this.view.access.create : this.view.access.write;
    if (!mutation || !right) return false;
    if (this.isNew) return true;
    if (field.editableIn === null) return true;
    return field.editableIn.includes(String(this.state));
  }

  /** The records editable references may point to (the first hundred of each). */
  async loadOptions() {
    const wanted = new Set();
    const walk = (view, depth) => {
      for (const field of this.catalogue.fields(view)) {
        if (field.type === "MANY_TO_ONE" && field.relation) wanted.add(field.relation);
        if (field.type === "ONE_TO_MANY" && depth < 1) {
          const lines = this.catalogue.view(field.relation);
          if (lines) walk(lines, depth + 1);
        }
      }
    };
    walk(this.view, 0);
    for (const relation of wanted) {
      this.options.set(relation, await this.app.loadOptions(relation));
    }
  }

  draw(root) {
    const view = this.view;
    this.errors = h("div", { class: "form-errors", role: "alert" });
    const title = this.isNew
      ? `New ${view.title.replace(/s$/, "").toLowerCase()}`
      : format(this.catalogue, null, this.recordTitle());
    const groups = view.form.map((group) => this.group(group));
    const canSave = this.asOf === null &&
      (!this.isNew ? view.update && view.access.write : view.create && view.access.create);
    this.element = formOf(
      { class: "record", "aria-label": title, novalidate: true },
      () => this.save(),
      h(
        "div",
        { class: "title-bar" },
        h("h1", {}, title),
        this.state !== null && this.stateLabel()
          ? h("span", { class: "badge state" }, this.stateLabel())
          : null,
      ),
      h("div", { class: "actions", role: "toolbar", "aria-label": "Actions" }, this.actionButtons()),
      this.errors,
      groups,
      h(
        "div",
        { class: "buttons" },
        canSave ? h("button", { type: "submit", class: "primary" }, "Save") : null,
        !this.isNew && this.asOf === null && view.source.kind === "RECORDS"
          ? h("a", { class: "button", href: `#/history/${view.name}/${encodeURIComponent(this.key())}` }, "History")
          : null,
        this.asOf === null && view.source.kind !== "SINGLE"
          ? h("a", { class: "button", href: `#/list/${view.name}` }, "Back to the list")
          : null,
      ),
    );
    // typed-in values are not thrown away when the configuration changes meanwhile.
    this.element.addEventListener("input", () => {
      this.dirty = true;
    });
    show(root, this.element);
  }

  /** Puts the cursor in field `name` (where it was before a redraw), or else in the first one. */
  focus(name = null) {
    const within = name && this.element.querySelector(`[data-field="${CSS.escape(name)}"]`);
    const editable = "input:not([disabled]), select:not([disabled]), textarea:not([disabled])";
    const target = (within && within.querySelector(editable)) || this.element.querySelector(editable);
    if (target) target.focus();
  }

  /** Shows `view`'s labels (renamed since the form was drawn) without touching its values. */
  relabel(view) {
    this.view = { ...this.view, form: view.form, actions: view.actions, title: view.title };
    for (const field of this.catalogue.fields(view)) {
      const container = this.element.querySelector(`[data-field="${CSS.escape(field.name)}"]`);
      const label = container && container.querySelector(":scope > label, :scope > .label");
      if (label) label.firstChild.textContent = field.label;
    }
  }

  key() {
    const key = this.view.source.key || "id";
    return this.record ? this.record[key] : null;
  }

  recordTitle() {
    const { shown } = this.catalogue.display(this.view);
    return (this.record && (this.record[shown] || this.record[this.view.source.key || "id"])) || this.view.title;
  }

  /** The record's state as a badge's text; null for none (a boolean state that is false). */
  stateLabel() {
    const field = this.catalogue.fields(this.view).find((f) => f.name === this.view.stateField);
    if (!field && typeof this.state === "boolean") {
      const name = this.view.stateField.replace(/([a-z])([A-Z])/g, "$1 $2");
      return this.state ? name.charAt(0).toUpperCase() + name.slice(1) : null;
    }
    return format(this.catalogue, field, this.state);
  }

  group(group) {
    return h(
      "fieldset",
      { class: "group" },
      group.title ? h("legend", {}, group.title) : null,
      group.fields.map((field) =>
        field.type === "ONE_TO_MANY" ? this.linesTable(field) : this.field(field),
      ),
    );
  }

  field(field) {
    const id = uniqueId(`field-${field.name.replace(/\./g, "-")}`);
    const value = this.record ? valueAt(this.record, field.name) : null;
    const editable = this.editable(field);
    let control;
    if (editable) {
      control = input(this.catalogue, field, value, {
        id,
        options: this.options.get(field.relation),
      });
      this.inputs.set(field.name, { field, element: control });
    } else {
      control = h("output", { id, class: isNumeric(field) ? "number" : null }, this.shown(field, value));
    }
    return h(
      "div",
      { class: "field", "data-field": field.name },
      h("label", { for: id }, field.label, field.required && editable ? h("span", { class: "required", "aria-hidden": "true" }, " *") : null),
      control.searchBox || null,
      control,
      field.help ? h("small", { class: "help" }, field.help) : null,
      h("span", { class: "field-error", id: `${id}-error` }),
    );
  }

  /** A value as read: records it names are links to their forms. */
  shown(field, value) {
    const related = field.relation && this.catalogue.view(field.relation);
    const linked = related && related.source.kind !== "LINES" && related.access.read;
    if (!linked || (field.type !== "MANY_TO_ONE" && field.type !== "MANY_TO_MANY") || value == null) {
      return format(this.catalogue, field, value);
    }
    const records = Array.isArray(value) ? value : [value];
    return records.map((record, i) => {
      const key = referenceKey(this.catalogue, field.relation, record);
      const text = format(this.catalogue, { ...field, type: "MANY_TO_ONE" }, record);
      return [
        i ? ", " : null,
        h("a", { href: `#/form/${related.name}/${encodeURIComponent(key)}` }, text),
      ];
    });
  }

  /** A field's lines: a table, with inputs while they can be changed. */
  linesTable(field) {
    const view = this.catalogue.view(field.relation);
    const editable = this.editable(field);
    const columns = this.catalogue.fields(view).filter((f) => editable ? !f.readOnly : true);
    const body = h("tbody");
    const rows = [];
    const addRow = (line) => {
      const cells = new Map();
      const row = h(
        "tr",
        {},
        columns.map((column) => {
          const id = uniqueId(`line-${column.name}`);
          const value = line ? valueAt(line, column.name) : null;
          if (!editable) {
            return h("td", { class: isNumeric(column) ? "number" : null }, format(this.catalogue, column, value));
          }
          const control = input(this.catalogue, column, value, {
            id,
            options: this.options.get(column.relation),
          });
          control.setAttribute("aria-label", column.label);
          cells.set(column.name, { field: column, element: control });
          return h("td", {}, control.searchBox || null, control);
        }),
        editable
          ? h(
              "td",
              {},
              h(
                "button",
                {
                  type: "button",
                  class: "link",
                  "aria-label": "Remove the line",
                  onclick: () => {
                    row.remove();
                    rows.splice(rows.indexOf(cells), 1);
                  },
                },
                "✕",
              ),
            )
          : null,
      );
      rows.push(cells);
      body.append(row);
    };
    for (const line of (this.record && valueAt(this.record, field.name)) || []) addRow(line);
    if (editable && rows.length === 0) addRow(null);
    if (editable) this.lines.set(field.name, { field, rows });
    const errorId = uniqueId("lines-error");
    return h(
      "div",
      { class: "field lines", "data-field": field.name },
      h("span", { class: "label" }, field.label),
      h(
        "table",
        { class: "list", "aria-label": field.label },
        h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c.label)), editable ? h("th") : null)),
        body,
      ),
      editable
        ? h("button", { type: "button", onclick: () => addRow(null) }, "Add a line")
        : null,
      h("span", { class: "field-error", id: errorId }),
    );
  }

  /** The input of the create or update mutation: what the form holds. */
  collect(inputType) {
    const schema = this.catalogue.schema;
    const input = {};
    const put = (target, type, path, value) => {
      let steps = path.split(".");
      // an input that takes a nested field flat (`city` for `address.city`) gets it so.
      if (steps.length > 1 && !schema.field(type, steps[0]) && schema.field(type, steps[steps.length - 1])) {
        steps = [steps[steps.length - 1]];
      }
      let at = target;
      let atType = type;
      for (let i = 0; i < steps.length - 1; i += 1) {
        const def = schema.field(atType, steps[i]);
        if (!def) return;
        atType = named(def.type);
        at[steps[i]] = at[steps[i]] || {};
        at = at[steps[i]];
      }
      if (schema.field(atType, steps[steps.length - 1])) at[steps[steps.length - 1]] = value;
    };
    const valueOf = ({ field, element }) => {
      const value = inputValue(field, element);
      return field.type === "MANY_TO_ONE" ? referenceKey(this.catalogue, field.relation, value) : value;
    };
    for (const [name, entry] of this.inputs) {
      const value = valueOf(entry);
      if (this.isNew && (value === null || (Array.isArray(value) && !value.length))) continue;
      put(input, inputType, name, value);
    }
    for (const [name, { rows }] of this.lines) {
      const def = schema.field(inputType, name);
      if (!def) continue;
      const lineType = named(def.type);
      input[name] = rows.map((cells) => {
        const line = {};
        for (const [column, entry] of cells) {
          const value = valueOf(entry);
          // an empty list is left out: the server fills it (a line's taxes from its product).
          if (value !== null && !(Array.isArray(value) && value.length === 0)) {
            put(line, lineType, column, value);
          }
        }
        return line;
      });
    }
    if (!this.isNew && this.view.source.kind !== "RECORDS") {
      // a configuration record is set whole: what the form does not edit keeps its value.
      for (const field of schema.types.get(inputType).inputFields || []) {
        const value = this.record[field.name];
        if (!(field.name in input) && value !== undefined && (value === null || typeof value !== "object")) {
          input[field.name] = value;
        }
      }
    }
    if (!this.isNew) {
      const key = this.view.source.key || "id";
      if (schema.field(inputType, key)) input[key] = this.key();
      if (schema.field(inputType, "expectedVersion") && this.record.version !== undefined) {
        input.expectedVersion = this.record.version;
      }
    }
    return input;
  }

  async save() {
    const name = this.isNew ? this.view.create : this.view.update;
    const mutation = this.catalogue.mutation(this.view, name);
    if (!mutation) return;
    // a required field left empty is said at once, next to it; nothing is sent.
    const missing = [...this.inputs.values()]
      .filter(({ field, element }) => field.required && field.type !== "BOOLEAN")
      .filter(({ field, element }) => {
        const value = inputValue(field, element);
        return value === null || (Array.isArray(value) && value.length === 0);
      })
      .map(({ field }) => ({ field: ["input", ...field.name.split(".")], message: `${field.label} is required.`, code: "REQUIRED" }));
    if (missing.length) {
      this.clearErrors();
      this.showErrors(missing);
      return;
    }
    const input = this.collect(mutation.input);
    const needs = missingInputs(this.catalogue.schema, mutation.input, input);
    if (needs.length) {
      const asked = await this.app.ask(this.isNew ? "Create" : "Save", needs, null, null, {});
      if (!asked) return;
      Object.assign(input, asked);
    }
    await this.run(mutation, input, "Saved.");
  }

  /** Sends `mutation`; its buttons wait meanwhile (a second click would send it twice). */
  async run(mutation, input, done) {
    const buttons = [...this.element.querySelectorAll("button:not([disabled])")];
    for (const button of buttons) button.disabled = true;
    this.element.setAttribute("aria-busy", "true");
    try {
      await this.send(mutation, input, done);
    } finally {
      for (const button of buttons) button.disabled = false;
      this.element.removeAttribute("aria-busy");
    }
  }

  async send(mutation, input, done) {
    this.clearErrors();
    let result;
    try {
      result = (await this.app.api.request(mutation.text, { input })).result;
    } catch (error) {
      if (error.code === "UNAUTHENTICATED") return this.app.failed(error);
      this.showErrors([{ field: null, message: error.message, code: error.code }]);
      return;
    }
    if (result.userErrors.length) {
      this.showErrors(result.userErrors);
      return;
    }
    this.app.notify(done);
    this.dirty = false;
    // a configuration record made (its payload answers the configuration, not the record):
    // its form, by the key it was given.
    const given = this.view.source.key && input[this.view.source.key];
    if (this.isNew && !result.record && given) {
      window.location.hash = `#/form/${this.view.name}/${encodeURIComponent(given)}`;
      return;
    }
    if (result.record) {
      const key = result.record[this.view.source.key || "id"];
      if (this.isNew || key !== this.key()) {
        window.location.hash = `#/form/${this.view.name}/${encodeURIComponent(key)}`;
        return;
      }
      this.record = result.record;
    }
    this.app.refresh();
  }

  clearErrors() {
    show(this.errors);
    for (const element of this.element.querySelectorAll(".field-error")) element.textContent = "";
    for (const element of this.element.querySelectorAll("[aria-invalid]")) element.removeAttribute("aria-invalid");
  }

  /** Each error next to the field it names (`["input", "address", "city"]`), or on top. */
  showErrors(errors) {
    const general = [];
    for (const error of errors) {
      const path = (error.field || []).filter((p) => p !== "input");
      const name = path.filter((p) => !/^\d+$/.test(p)).join(".");
      let container = name && (
        this.element.querySelector(`[data-field="${CSS.escape(name)}"]`) ||
        this.element.querySelector(`[data-field="${CSS.escape(path[0] || "")}"]`)
      );
      if (error.code === "STALE_VERSION" || error.code === "CONFLICT") container = null;
      // a line's error (`["lines", "2", "quantity"]`) marks that line's cell, and says which line.
      const lines = this.lines.get(path[0]);
      const index = /^\d+$/.test(path[1] || "") ? Number(path[1]) : null;
      const cell = lines && index !== null && lines.rows[index];
      if (container && cell) {
        const slot = container.querySelector(".field-error");
        const said = `Line ${index + 1}: ${error.message}`;
        slot.textContent = slot.textContent ? `${slot.textContent} ${said}` : said;
        const entry = cell.get(path[2]) || cell.values().next().value;
        if (entry) entry.element.setAttribute("aria-invalid", "true");
      } else if (container) {
        const slot = container.querySelector(".field-error");
        slot.textContent = error.message;
        const control = container.querySelector("input, select");
        if (control) control.setAttribute("aria-invalid", "true");
      } else {
        general.push(error);
      }
    }
    show(
      this.errors,
      general.map((error) =>
        h(
          "p",
          { class: "error" },
          error.code === "STALE_VERSION"
            ? [
                `Not saved: ${error.message} `,
                h("button", { type: "button", onclick: () => this.app.refresh() }, "Reload it"),
              ]
            : error.message,
        ),
      ),
    );
    const invalid = this.element.querySelector("[aria-invalid]");
    if (invalid) invalid.focus();
  }

  /** The actions the record's state allows, as buttons (those the user may not do, disabled). */
  actionButtons() {
    if (this.isNew || this.asOf !== null) return [];
    return this.view.actions
      .filter((action) => !action.states.length || action.states.includes(String(this.state)))
      .map((action) =>
        h(
          "button",
          {
            type: "button",
            disabled: !action.allowed,
            title: action.allowed ? null : "You do not have the rights this needs.",
            onclick: () => this.act(action),
          },
          action.label,
        ),
      );
  }

  /** Runs an action: its mutation with the record's key and version, and what else it needs. */
  async act(action) {
    const mutation = this.catalogue.mutation(this.view, action.mutation);
    if (!mutation) return;
    const schema = this.catalogue.schema;
    const input = {};
    // an action that makes a record of another view (a payment from an invoice) takes what the
    // view says from the record, not the record's own id (that would be the new record's).
    const makes = [...this.catalogue.views.values()].find(
      (v) => v.create === action.mutation && v.name !== this.view.name,
    );
    const key = this.view.source.key || "id";
    const named = action.defaults.some((d) => d.from === key);
    if (!makes && !named && schema.field(mutation.input, key)) input[key] = this.key();
    if (!makes && !named && schema.field(mutation.input, "expectedVersion")) {
      input.expectedVersion = this.record.version;
    }
    for (const fill of action.defaults) {
      const value = valueAt(this.record, fill.from);
      putDefault(schema, mutation.input, input, fill.input, value && typeof value === "object" ? value.id : value);
    }
    // what the record fills at the top of the input is shown, to be changed (a payment's
    // amount: part of what is due); the rest is asked for.
    const type = schema.types.get(mutation.input);
    const shown = action.defaults
      .filter((fill) => !fill.input.includes(".") && input[fill.input] !== undefined)
      .map((fill) => (type.inputFields || []).find((f) => f.name === fill.input))
      .filter(Boolean);
    const needs = [...shown, ...missingInputs(schema, mutation.input, input)];
    if (needs.length) {
      // the view whose records the mutation makes says how to ask (a journal from a list).
      const asked = await this.app.ask(action.label, needs, this.record, makes, input);
      if (!asked) return;
      Object.assign(input, asked);
      // a value changed in the dialog goes wherever the same part of the record went (an
      // allocation's amount follows the payment's).
      for (const fill of action.defaults.filter((f) => f.input.includes("."))) {
        const source = action.defaults.find(
          (f) => !f.input.includes(".") && f.from === fill.from && asked[f.input] !== undefined,
        );
        if (source) putDefault(schema, mutation.input, input, fill.input, asked[source.input]);
      }
    }
    await this.run(mutation, input, `${action.label}: done.`);
  }
}

/**
 * Puts `value` at `path` of `input` (of input type `type`); a step through a list of objects
 * makes (or fills) its one item.
 */
function putDefault(schema, type, input, path, value) {
  if (value === null || value === undefined) return;
  const steps = path.split(".");
  let at = input;
  let atType = type;
  steps.forEach((step, i) => {
    const def = schema.field(atType, step);
    if (!def) return;
    if (i === steps.length - 1) {
      at[step] = value;
      return;
    }
    atType = named(def.type);
    if (isList(def.type)) {
      at[step] = at[step] || [{}];
      at = at[step][0];
    } else {
      at[step] = at[step] || {};
      at = at[step];
    }
  });
}

/** The required fields of `inputType` that `input` does not have yet. */
function missingInputs(schema, inputType, input) {
  const type = schema.types.get(inputType);
  return (type.inputFields || []).filter(
    (f) => f.type.kind === "NON_NULL" && f.defaultValue === null && !(f.name in input),
  );
}
