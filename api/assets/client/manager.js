// The operator's pages: the database manager (create, duplicate at a stage, back up, restore,
// mark production, drop) behind the master password, through the manager's GraphQL API.

import { Api } from "./api.js";
import { formOf, h, labelled, show, uniqueId } from "./dom.js";

const MANAGER = "/manager/graphql";

/** The manager's API: the same client, at the manager's endpoint. */
function managerApi() {
  const api = new Api("");
  api.endpoint = MANAGER;
  return api;
}

/** Draws the database manager into `root`; `master` is the master password typed, or null. */
export async function drawManager(root, state) {
  const api = managerApi();
  const errors = h("div", { role: "alert", class: "form-errors" });
  if (!state.master) {
    const id = uniqueId("master");
    const form = formOf(
      { class: "sign-in", "aria-label": "Database manager" },
      async () => {
        const master = form.elements.master.value;
        try {
          await api.request("query($m: String!) { databases(masterPassword: $m) { name } }", { m: master });
          state.master = master;
          drawManager(root, state);
        } catch (error) {
          show(errors, h("p", { class: "error" }, error.message));
        }
      },
      h("h1", {}, "Databases"),
      h("label", { for: id }, "Master password"),
      h("input", { id, name: "master", type: "password", autocomplete: "off", required: true }),
      errors,
      h("button", { type: "submit", class: "primary" }, "Open the manager"),
      h("a", { href: "#/" }, "Back to signing in"),
    );
    show(root, h("main", { class: "centered" }, form));
    form.elements.master.focus();
    return;
  }
  const m = state.master;
  let databases;
  let backups;
  try {
    const data = await api.request(
      `query($m: String!) { databases(masterPassword: $m) { name production default endpoint }
                            backups(masterPassword: $m) { file bytes } }`,
      { m },
    );
    databases = data.databases;
    backups = data.backups;
  } catch (error) {
    state.master = null;
    show(root, h("p", { class: "error", role: "alert" }, error.message));
    return;
  }
  // every operation: its mutation, its arguments, then the page drawn again.
  const act = async (mutation, args, variables, done) => {
    show(errors);
    try {
      const data = await api.request(
        `mutation($m: String!${args.map(([n, t]) => `, $${n}: ${t}`).join("")}) {
           result: ${mutation}(masterPassword: $m${args.map(([n]) => `, ${n}: $${n}`).join("")}) {
             userErrors { message } } }`,
        { m, ...variables },
      );
      if (data.result.userErrors.length) {
        show(errors, data.result.userErrors.map((e) => h("p", { class: "error" }, e.message)));
        return;
      }
      state.notice = done;
      drawManager(root, state);
    } catch (error) {
      show(errors, h("p", { class: "error" }, error.message));
    }
  };
  const field = (label, attributes) => labelled(label, h("input", { id: uniqueId("manager"), ...attributes }));
  const createForm = formOf(
    { class: "search", "aria-label": "New database" },
    () => {
      const f = createForm.elements;
      act("createDatabase", [["name", "String!"], ["demo", "Boolean!"]], { name: f.name.value.trim(), demo: f.demo.checked }, `Database ${f.name.value.trim()} created.`);
    },
    field("Name", { name: "name", required: true, autocomplete: "off" }),
    field("With demo data", { name: "demo", type: "checkbox" }),
    h("button", { type: "submit", class: "primary" }, "Create"),
  );
  const duplicateForm = formOf(
    { class: "search", "aria-label": "Duplicate a database" },
    () => {
      const f = duplicateForm.elements;
      const stage = f.stage.value.trim() || null;
      act(
        "duplicateDatabase",
        [["from", "String!"], ["to", "String!"], ["stage", "String"]],
        { from: f.from.value, to: f.to.value.trim(), stage },
        `Database ${f.to.value.trim()} made from ${f.from.value}${stage ? ` at stage ${stage}` : ""}.`,
      );
    },
    labelled("From", h("select", { id: uniqueId("from"), name: "from" }, databases.map((d) => h("option", { value: d.name }, d.name)))),
    field("Into", { name: "to", required: true, autocomplete: "off" }),
    field("At stage (empty: now)", { name: "stage", autocomplete: "off" }),
    h("button", { type: "submit" }, "Duplicate"),
  );
  const restoreForm = formOf(
    { class: "search", "aria-label": "Restore a backup" },
    () => {
      const f = restoreForm.elements;
      act(
        "restoreDatabase",
        [["file", "String!"], ["name", "String!"], ["replace", "Boolean!"]],
        { file: f.file.value, name: f.name.value.trim(), replace: f.replace.checked },
        `Backup ${f.file.value} restored as ${f.name.value.trim()}.`,
      );
    },
    labelled(
      "Backup",
      h("select", { id: uniqueId("file"), name: "file" }, backups.map((b) => h("option", { value: b.file }, `${b.file} (${b.bytes} bytes)`))),
    ),
    field("As database", { name: "name", required: true, autocomplete: "off" }),
    field("Replace an existing one", { name: "replace", type: "checkbox" }),
    h("button", { type: "submit", disabled: backups.length === 0 }, "Restore"),
  );
  const rows = databases.map((d) =>
    h(
      "tr",
      { "data-database": d.name },
      h("td", {}, d.name, d.default ? " (default)" : ""),
      h("td", {}, d.production ? "Production" : "Test"),
      h("td", {}, h("a", { href: `/?db=${encodeURIComponent(d.name)}` }, "Sign in")),
      h(
        "td",
        { class: "row-buttons" },
        h("button", { type: "button", onclick: () => act("backupDatabase", [["name", "String!"]], { name: d.name }, `Database ${d.name} backed up.`) }, "Back up"),
        h(
          "button",
          {
            type: "button",
            onclick: () => act("markDatabase", [["name", "String!"], ["production", "Boolean!"]], { name: d.name, production: !d.production }, `Database ${d.name} marked ${d.production ? "test" : "production"}.`),
          },
          d.production ? "Mark test" : "Mark production",
        ),
        h(
          "button",
          {
            type: "button",
            class: "danger",
            onclick: () => {
              const typed = window.prompt(`Dropping ${d.name} deletes it. Type its name to drop it.`);
              if (typed === d.name) act("dropDatabase", [["name", "String!"]], { name: d.name }, `Database ${d.name} dropped.`);
            },
          },
          "Drop",
        ),
      ),
    ),
  );
  const notice = state.notice ? h("p", { class: "status", role: "status" }, state.notice) : null;
  state.notice = null;
  show(
    root,
    h(
      "header",
      { class: "top" },
      h("span", { class: "brand" }, "ERP: databases"),
      h("a", { class: "button", href: "#/" }, "Sign in to a database"),
      h("button", { type: "button", onclick: () => { state.master = null; drawManager(root, state); } }, "Lock"),
    ),
    h(
      "main",
      { class: "page" },
      notice,
      errors,
      h(
        "table",
        { class: "list", "aria-label": "Databases" },
        h("thead", {}, h("tr", {}, ["Database", "Kind", "", ""].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, rows),
      ),
      h("h2", {}, "New database"),
      createForm,
      h("h2", {}, "Duplicate"),
      duplicateForm,
      h("h2", {}, "Restore a backup"),
      restoreForm,
    ),
  );
}
