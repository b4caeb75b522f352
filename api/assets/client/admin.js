// The implementer's pages: modules (installed with what they depend on, removed with what
// depends on them), labels, stages (made, compared side by side, restored) and data modules
// (tried, then loaded).

import { formOf, h, labelled, show, uniqueId } from "./dom.js";

export const ADMIN_PAGES = [
  { name: "modules", title: "Modules" },
  { name: "labels", title: "Labels" },
  { name: "stages", title: "Stages" },
  { name: "data", title: "Data Modules" },
];

/** Draws implementer page `name` into `root`. */
export async function drawAdmin(app, root, name, rest) {
  const page = { modules, labels, stages, data }[name];
  if (!page) {
    show(root, h("p", { class: "error", role: "alert" }, "There is no such page."));
    return;
  }
  await page(app, root, rest);
}

/** Runs a configuration mutation; its user errors (or error) in `errors`, or null when done. */
async function run(app, errors, query, variables, field = "result") {
  show(errors);
  try {
    const data = await app.api.request(query, variables);
    const result = data[field];
    if (result.userErrors && result.userErrors.length) {
      show(errors, result.userErrors.map((e) => h("p", { class: "error" }, e.message)));
      return null;
    }
    return result;
  } catch (error) {
    show(errors, h("p", { class: "error" }, error.message));
    return null;
  }
}

async function modules(app, root) {
  const data = await app.api.request(
    "{ configuration { modules { name summary version development depends installedVersion } } }",
  );
  const all = data.configuration.modules;
  const installed = new Set(all.filter((m) => m.installedVersion).map((m) => m.name));
  const byName = new Map(all.map((m) => [m.name, m]));
  // what installing `name` brings along, and what removing it takes with it.
  const needs = (name, seen = new Set()) => {
    for (const d of byName.get(name).depends) {
      if (!seen.has(d)) {
        seen.add(d);
        needs(d, seen);
      }
    }
    return seen;
  };
  const dependents = (name) => all.filter((m) => installed.has(m.name) && needs(m.name).has(name)).map((m) => m.name);
  const errors = h("div", { role: "alert" });
  const rows = all.map((module) => {
    const missing = [...needs(module.name)].filter((d) => !installed.has(d));
    const taken = dependents(module.name);
    const button = installed.has(module.name)
      ? h(
          "button",
          {
            type: "button",
            onclick: async () => {
              if (!window.confirm(`Uninstall ${module.name}${taken.length ? ` and ${taken.join(", ")}, which depend on it` : ""}?`)) return;
              const done = await run(
                app,
                errors,
                "mutation($input: UninstallModuleInput!) { result: uninstallModule(input: $input) { userErrors { message } } }",
                { input: { name: module.name, withDependents: taken.length > 0 } },
              );
              if (done) app.refresh();
            },
          },
          "Uninstall",
        )
      : h(
          "button",
          {
            type: "button",
            class: "primary",
            onclick: async () => {
              const done = await run(
                app,
                errors,
                "mutation($input: InstallModuleInput!) { result: installModule(input: $input) { userErrors { message } } }",
                { input: { name: module.name } },
              );
              if (done) app.refresh();
            },
          },
          "Install",
        );
    return h(
      "tr",
      { "data-module": module.name },
      h("td", {}, module.name),
      h("td", {}, module.summary),
      h("td", {}, module.version, module.development ? " (development)" : ""),
      h("td", {}, module.depends.join(", ") || "—"),
      h(
        "td",
        {},
        installed.has(module.name)
          ? `Installed ${module.installedVersion}${taken.length ? `; needed by ${taken.join(", ")}` : ""}`
          : missing.length
            ? `Installing also installs ${missing.join(", ")}`
            : "Not installed",
      ),
      h("td", {}, button),
    );
  });
  show(
    root,
    h("h1", {}, "Modules"),
    errors,
    h(
      "table",
      { class: "list", "aria-label": "Modules" },
      h("thead", {}, h("tr", {}, ["Module", "Summary", "Version", "Depends on", "State", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows),
    ),
  );
}

async function labels(app, root, rest) {
  const views = [...app.catalogue.views.values()];
  const current = app.catalogue.view(rest[0] || "") || views[0];
  const pickId = uniqueId("label-form");
  const errors = h("div", { role: "alert" });
  const picker = h(
    "select",
    { id: pickId, onchange: (event) => { window.location.hash = `#/admin/labels/${event.target.value}`; } },
    views.map((v) => h("option", { value: v.name, selected: v === current }, `${v.title} (${v.name})`)),
  );
  const fields = app.catalogue.fields(current);
  const rows = fields.map((field) => {
    const id = uniqueId("label");
    const element = h("input", { id, value: field.label });
    const save = async (label) => {
      const done = await run(
        app,
        errors,
        "mutation($input: SetLabelInput!) { result: setLabel(input: $input) { userErrors { message } } }",
        { input: { form: current.name, field: field.name, label } },
      );
      if (done) app.notify(`${field.defaultLabel}: ${label || "default label"}.`);
    };
    return h(
      "tr",
      { "data-field": field.name },
      h("td", {}, h("label", { for: id }, field.defaultLabel), h("small", { class: "help" }, ` ${field.name}`)),
      h("td", {}, element),
      h(
        "td",
        {},
        h("button", { type: "button", onclick: () => save(element.value.trim() || null) }, "Save"),
        " ",
        field.label !== field.defaultLabel
          ? h("button", { type: "button", onclick: () => save(null) }, "Reset")
          : null,
      ),
    );
  });
  show(
    root,
    h("h1", {}, "Labels"),
    labelled("Form", picker),
    errors,
    h(
      "table",
      { class: "list", "aria-label": "Labels" },
      h("thead", {}, h("tr", {}, ["Field", "Label", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows),
    ),
  );
}

const CHANGE = "area key before after";

async function stages(app, root) {
  const data = await app.api.request(
    "{ stages(first: 100) { nodes { name note position configurationVersion createdAt createdBy } } }",
  );
  const list = data.stages.nodes;
  const errors = h("div", { role: "alert" });
  const ids = { name: uniqueId("stage-name"), note: uniqueId("stage-note"), from: uniqueId("from"), to: uniqueId("to") };
  const create = formOf(
    { class: "search", "aria-label": "New stage" },
    async () => {
      const done = await run(
        app,
        errors,
        "mutation($input: CreateStageInput!) { result: createStage(input: $input) { userErrors { message } } }",
        { input: { name: create.elements.name.value, note: create.elements.note.value } },
      );
      if (done) app.refresh();
    },
    labelled("Name", h("input", { id: ids.name, name: "name", required: true })),
    labelled("Note", h("input", { id: ids.note, name: "note" })),
    h("button", { type: "submit", class: "primary" }, "Create a stage"),
  );
  const diffOut = h("div", { class: "diff", role: "region", "aria-label": "Differences" });
  const options = (none) => [
    none ? h("option", { value: "" }, none) : null,
    list.map((s) => h("option", { value: s.name }, s.name)),
  ];
  const compare = formOf(
    { class: "search", "aria-label": "Compare stages" },
    async () => {
      const from = compare.elements.from.value;
      const to = compare.elements.to.value || null;
      try {
        const diff = await app.api.request(
          `query($from: String!, $to: String) { stageDiff(from: $from, to: $to) { ${CHANGE} } }`,
          { from, to },
        );
        show(diffOut, sideBySide(from, to || "now", diff.stageDiff));
      } catch (error) {
        show(diffOut, h("p", { class: "error" }, error.message));
      }
    },
    labelled("From", h("select", { id: ids.from, name: "from" }, options(null))),
    labelled("To", h("select", { id: ids.to, name: "to" }, options("now"))),
    h("button", { type: "submit" }, "Compare"),
  );
  const rows = list.map((stage) =>
    h(
      "tr",
      { "data-stage": stage.name },
      h("td", {}, stage.name),
      h("td", {}, stage.note),
      h("td", { class: "number" }, stage.position),
      h("td", {}, new Date(stage.createdAt).toLocaleString()),
      h("td", {}, stage.createdBy),
      h(
        "td",
        {},
        h(
          "button",
          {
            type: "button",
            onclick: async () => {
              if (!window.confirm(`Bring the configuration back to stage ${stage.name}? Business records stay.`)) return;
              const done = await run(
                app,
                errors,
                `mutation($input: RestoreStageInput!) { result: restoreStage(input: $input) { restored kept { ${CHANGE} } userErrors { message } } }`,
                { input: { name: stage.name } },
              );
              if (!done) return;
              app.notify(done.restored ? `Restored stage ${stage.name}.` : `The configuration already was stage ${stage.name}.`);
              show(
                diffOut,
                done.kept.length
                  ? [h("h2", {}, "Kept, because business records use them"), sideBySide(stage.name, "kept", done.kept)]
                  : null,
              );
            },
          },
          "Restore",
        ),
      ),
    ),
  );
  show(
    root,
    h("h1", {}, "Stages"),
    create,
    errors,
    h(
      "table",
      { class: "list", "aria-label": "Stages" },
      h("thead", {}, h("tr", {}, ["Stage", "Note", "Position", "Made", "By", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows),
    ),
    h("h2", {}, "Compare"),
    compare,
    diffOut,
  );
}

/** Changes side by side: what `left` had, what `right` has. */
function sideBySide(left, right, changes) {
  if (!changes.length) return h("p", { class: "status" }, "No differences.");
  return h(
    "table",
    { class: "list side-by-side", "aria-label": `From ${left} to ${right}` },
    h("thead", {}, h("tr", {}, ["Area", "Key", left, right].map((t) => h("th", { scope: "col" }, t)))),
    h(
      "tbody",
      {},
      changes.map((c) =>
        h(
          "tr",
          { class: c.before === null ? "added" : c.after === null ? "removed" : "changed" },
          h("td", {}, c.area),
          h("td", {}, c.key),
          h("td", { class: "before" }, c.before ?? "—"),
          h("td", { class: "after" }, c.after ?? "—"),
        ),
      ),
    ),
  );
}

async function data(app, root) {
  const id = uniqueId("data-module");
  const fileId = uniqueId("data-file");
  const errors = h("div", { role: "alert" });
  const out = h("div", { role: "region", "aria-label": "What the module changes" });
  const text = h("textarea", { id, name: "content", rows: 14, spellcheck: "false" });
  const file = h("input", {
    id: fileId,
    type: "file",
    accept: ".jsonl,.json,.txt",
    onchange: async () => {
      if (file.files[0]) text.value = await file.files[0].text();
    },
  });
  const load = async (dryRun) => {
    show(out);
    const result = await run(
      app,
      errors,
      `mutation($content: String!, $dryRun: Boolean) { result: loadDataModule(content: $content, dryRun: $dryRun) {
        module applied configuration { ${CHANGE} } partners userErrors { message } } }`,
      { content: text.value, dryRun },
    );
    if (!result) return;
    show(
      out,
      h("h2", {}, dryRun ? `What loading ${result.module} would change` : `${result.module} loaded`),
      sideBySide("before", "after", result.configuration),
      result.partners.length ? h("ul", {}, result.partners.map((p) => h("li", {}, p))) : null,
    );
  };
  show(
    root,
    h("h1", {}, "Data Modules"),
    h("div", { class: "field" }, h("label", { for: fileId }, "From a file"), file),
    h("div", { class: "field" }, h("label", { for: id }, "Module (JSON lines)"), text),
    h(
      "div",
      { class: "buttons" },
      h("button", { type: "button", onclick: () => load(true) }, "Dry run"),
      h("button", { type: "button", class: "primary", onclick: () => load(false) }, "Load"),
    ),
    errors,
    out,
  );
}
