// The implementer's pages: modules (installed with what they depend on, removed with what
// depends on them), labels, stages (made, compared side by side, restored, their differences
// exported as a data module that promotes them into another database) and data modules
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
  const ids = {
    name: uniqueId("stage-name"),
    note: uniqueId("stage-note"),
    from: uniqueId("from"),
    to: uniqueId("to"),
    exportFrom: uniqueId("export-from"),
    exportTo: uniqueId("export-to"),
    module: uniqueId("export-module"),
    version: uniqueId("export-version"),
  };
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
  const exportOut = h("div", { role: "region", "aria-label": "Promotion" });
  const exportErrors = h("div", { role: "alert" });
  const exporter = formOf(
    { class: "search", "aria-label": "Export stages" },
    async () => {
      show(exportOut);
      const f = exporter.elements;
      const variables = { from: f.from.value, to: f.to.value, module: f.module.value.trim(), version: f.version.value.trim() };
      const done = await run(
        app,
        exportErrors,
        `query($from: String!, $to: String!, $module: String!, $version: String!) {
          result: stageExport(from: $from, to: $to, module: $module, version: $version) {
            content promotions userErrors { message } } }`,
        variables,
      );
      if (!done) return;
      const name = `${variables.module}-${variables.version}.jsonl`;
      const href = URL.createObjectURL(new Blob([done.content], { type: "application/jsonl" }));
      show(
        exportOut,
        h(
          "p",
          { class: "status" },
          `${done.promotions} ${done.promotions === 1 ? "setting" : "settings"} promoted from stage ${variables.from} to stage ${variables.to}.`,
        ),
        h("p", {}, h("a", { href, download: name }, `Download ${name}`), " and load it in the other database's Data Modules page, as a dry run first."),
        h("pre", { class: "module", "aria-label": "Data module" }, done.content),
      );
    },
    labelled("From", h("select", { id: ids.exportFrom, name: "from" }, options(null))),
    labelled("To", h("select", { id: ids.exportTo, name: "to" }, options(null))),
    labelled("Module", h("input", { id: ids.module, name: "module", required: true, placeholder: "go_live" })),
    labelled("Version", h("input", { id: ids.version, name: "version", required: true, value: "1.0.0" })),
    h("button", { type: "submit" }, "Export"),
  );
  if (list.length) exporter.elements.to.value = list[list.length - 1].name;
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
    h("h2", {}, "Promote to another database"),
    h(
      "p",
      {},
      "What changed from one stage to the next, written as a data module: each setting with what it was and what it became. " +
        "Loaded in another database, it takes each setting that database still has as this one had it; anything changed there since is listed and nothing is loaded.",
    ),
    exporter,
    exportErrors,
    exportOut,
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
  const forceId = uniqueId("force");
  const force = h("input", { id: forceId, type: "checkbox", name: "force" });
  const load = async (dryRun) => {
    show(out);
    const result = await run(
      app,
      errors,
      `mutation($content: String!, $dryRun: Boolean, $force: Boolean) {
        result: loadDataModule(content: $content, dryRun: $dryRun, force: $force) {
        module applied alreadyPromoted configuration { ${CHANGE} } partners userErrors { message } } }`,
      { content: text.value, dryRun, force: force.checked },
    );
    if (!result) return;
    show(
      out,
      h(
        "h2",
        {},
        dryRun
          ? `What loading ${result.module} would change`
          : result.applied
            ? `${result.module} loaded`
            : `${result.module}: nothing to change`,
      ),
      sideBySide("before", "after", result.configuration),
      result.partners.length ? h("ul", {}, result.partners.map((p) => h("li", {}, p))) : null,
      result.alreadyPromoted
        ? h(
            "p",
            { class: "status" },
            `${result.alreadyPromoted} of the promoted settings ${result.alreadyPromoted === 1 ? "is" : "are"} here as promoted already.`,
          )
        : null,
    );
  };
  show(
    root,
    h("h1", {}, "Data Modules"),
    h("div", { class: "field" }, h("label", { for: fileId }, "From a file"), file),
    h("div", { class: "field" }, h("label", { for: id }, "Module (JSON lines)"), text),
    h(
      "div",
      { class: "field" },
      h("label", { for: forceId }, "Load a development version (odd middle number) into this production database"),
      force,
    ),
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
