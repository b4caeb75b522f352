// The web client: sign in to a database, menus from the installed modules and the user's
// rights, and every list and form drawn from the view definitions the API serves. It listens
// to configuration changes, so a renamed label, a module installed or a right removed shows at
// once, without a reload.
// (Over 600 lines: the app shell, its router, the menus and the live configuration are one
// piece of state; the pages themselves live in their own modules.)

import { Api, ApiError } from "./api.js";
import { formOf, h, show, uniqueId } from "./dom.js";
import { drawForm } from "./form.js";
import { ADMIN_PAGES, drawAdmin } from "./admin.js";
import { drawHistory } from "./history.js";
import { drawManager } from "./manager.js";
import { drawList } from "./list.js";
import { drawReport, reportsOf } from "./reports.js";
import { Catalogue, Schema, named } from "./schema.js";
import { input, inputValue, referenceText } from "./fields.js";

const VIEWS = `{ configurationVersion installedModules views {
  name title module model typeName stateField create update
  access { read create write delete }
  source { kind one list key }
  form { title fields { name label defaultLabel type required readOnly editableIn widget
         selection { value label } relation help } }
  list { columns { field label } defaultOrder fixed { field value } }
  search { name label type selection { value label } relation }
  actions { name label mutation states right allowed defaults { input from } } } }`;

const ME = "{ me { login name companies company } workingCompany }";

class App {
  constructor(root) {
    this.root = root;
    this.api = null;
    this.schema = null;
    this.catalogue = null;
    this.me = null;
    this.listStates = new Map();
    this.reportStates = new Map();
    this.managerState = { master: null };
    this.optionCache = new Map();
    this.stopListening = null;
    this.routes = 0;
    // leaving a form with changes not saved asks first.
    window.addEventListener("hashchange", () => {
      if (this.currentForm && this.currentForm.dirty && window.location.hash !== this.shownHash) {
        if (!window.confirm("Leave this form? What you changed is not saved.")) {
          window.history.replaceState(null, "", this.shownHash || "#/");
          return;
        }
      }
      this.route();
    });
    window.addEventListener("beforeunload", (event) => {
      if (this.currentForm && this.currentForm.dirty) event.preventDefault();
    });
  }

  async start() {
    if (window.location.hash.startsWith("#/manager")) {
      await this.route();
      return;
    }
    const saved = sessionStorage.getItem("erp.session");
    // an address naming another database (`/?db=erp_test`, as the manager links) signs in there.
    const wanted = new URLSearchParams(window.location.search).get("db");
    if (saved) {
      try {
        const { database, token, company } = JSON.parse(saved);
        if (wanted !== null && wanted !== database) throw new Error("another database");
        this.api = new Api(database);
        this.api.token = token;
        this.api.company = company || null;
        await this.load();
        return;
      } catch {
        sessionStorage.removeItem("erp.session");
      }
    }
    this.signInPage();
  }

  /** The sign-in page: the database, the login and the password. */
  signInPage(message) {
    if (this.stopListening) this.stopListening();
    this.api = null;
    const ids = {
      database: uniqueId("database"),
      known: uniqueId("databases"),
      login: uniqueId("login"),
      password: uniqueId("password"),
    };
    const error = h("p", { class: "error", role: "alert" }, message || "");
    const form = formOf(
      { class: "sign-in", "aria-label": "Sign in" },
      async () => {
        const button = form.querySelector("button");
        button.disabled = true;
        error.textContent = "";
        try {
          await this.signIn(
            form.elements.database.value.trim(),
            form.elements.login.value.trim(),
            form.elements.password.value,
          );
        } catch (e) {
          error.textContent = e.message;
          button.disabled = false;
        }
      },
      h("h1", {}, "Sign in"),
      h("label", { for: ids.database }, "Database"),
      h("input", {
        id: ids.database,
        name: "database",
        autocomplete: "off",
        list: ids.known,
        placeholder: "the server's own",
        value: new URLSearchParams(window.location.search).get("db") || "",
      }),
      // the databases this browser signed in to before (the server lists its databases only
      // behind the master password: "Manage databases").
      h("datalist", { id: ids.known }, knownDatabases().map((name) => h("option", { value: name }))),
      h("label", { for: ids.login }, "Login"),
      h("input", { id: ids.login, name: "login", autocomplete: "username", required: true }),
      h("label", { for: ids.password }, "Password"),
      h("input", { id: ids.password, name: "password", type: "password", autocomplete: "current-password", required: true }),
      error,
      h("button", { type: "submit", class: "primary" }, "Sign in"),
      h("a", { href: "#/manager" }, "Manage databases"),
    );
    show(this.root, h("main", { class: "centered" }, form));
    form.elements.login.focus();
  }

  async signIn(database, login, password) {
    const api = new Api(database);
    const data = await api.request(
      `mutation($input: LoginInput!) { login(input: $input) { token userErrors { message } } }`,
      { input: { login, password } },
    );
    if (data.login.userErrors.length) throw new ApiError(data.login.userErrors[0].message);
    api.token = data.login.token;
    this.api = api;
    if (database) {
      const known = [database, ...knownDatabases().filter((name) => name !== database)].slice(0, 10);
      localStorage.setItem("erp.databases", JSON.stringify(known));
    }
    this.save();
    await this.load();
  }

  save() {
    sessionStorage.setItem(
      "erp.session",
      JSON.stringify({ database: this.api.database, token: this.api.token, company: this.api.company }),
    );
  }

  signOut() {
    const api = this.api;
    sessionStorage.removeItem("erp.session");
    if (api) api.request("mutation { logout { loggedOut } }").catch(() => {});
    this.signInPage();
  }

  /** Reads who is signed in, the schema and the views; then draws the page and listens. */
  async load() {
    const me = await this.api.request(ME);
    this.me = { ...me.me, working: me.workingCompany };
    if (!this.schema) this.schema = await Schema.load(this.api);
    await this.loadViews();
    this.layout();
    this.listen();
    this.route();
  }

  /** Reads the views; false when a newer configuration was read meanwhile (this one is older). */
  async loadViews() {
    const data = await this.api.request(VIEWS);
    if (this.catalogue && Number(data.configurationVersion) < Number(this.version)) return false;
    this.version = data.configurationVersion;
    this.catalogue = new Catalogue(this.schema, data.views);
    this.catalogue.installed = new Set(data.installedModules);
    this.optionCache.clear();
    return true;
  }

  /**
   * Configuration changes redraw the menus and the page at once; after a lost connection, what
   * changed meanwhile (not heard) is read again the same way.
   */
  listen() {
    if (this.stopListening) this.stopListening();
    // changes announced while the screens are being redrawn are redrawn for once after: a
    // burst of changes (a data module loaded) costs two redraws, not one each.
    let redrawing = false;
    let pending = null;
    const changed = async (message) => {
      if (redrawing) {
        pending = message;
        return;
      }
      redrawing = true;
      try {
        if (!(await this.loadViews())) return;
        this.drawMenu();
        this.notify(message);
        const form = this.currentForm;
        const view = form && this.catalogue.view(form.view.name);
        const [, page] = window.location.hash.replace(/^#/, "").split("/");
        if (form && form.dirty && view) {
          form.relabel(view);
        } else if (page !== "admin") {
          // an implementer's page keeps what it shows (a diff, a module typed in): often the
          // change is theirs.
          await this.route({ quietly: true });
        }
      } catch (error) {
        // a redraw nobody asked for that fails (the server restarting) leaves the page as it
        // is, a form typed into too, and says so; an ended session goes to signing in.
        if (error instanceof ApiError && error.code === "UNAUTHENTICATED") this.failed(error);
        else this.notify(`The screens could not be brought up to date: ${error.message}`);
      } finally {
        redrawing = false;
        if (pending !== null) {
          const next = pending;
          pending = null;
          changed(next);
        }
      }
    };
    this.stopListening = this.api.subscribe(
      "subscription { configurationChanged { version changes { area key } } }",
      () => changed("The configuration changed: the screens show it."),
      {
        onReconnect: () => changed("Connected again: the screens show the configuration as it is now."),
        onError: (error) => this.failed(error),
      },
    );
  }

  layout() {
    this.menu = h("nav", { class: "menu", "aria-label": "Menu" });
    this.main = h("main", { class: "page", tabindex: "-1" });
    this.notice = h("div", { class: "notice", role: "status", "aria-live": "polite" });
    const companies = this.me.companies || [];
    const switcher =
      companies.length > 1
        ? h(
            "select",
            {
              "aria-label": "Company",
              onchange: (event) => {
                // working in another company leaves the form: changes not saved are asked about.
                if (this.currentForm && this.currentForm.dirty &&
                    !window.confirm("Leave this form? What you changed is not saved.")) {
                  event.target.value = this.api.company || this.me.working;
                  return;
                }
                this.api.company = event.target.value;
                this.save();
                this.optionCache.clear();
                this.listen();
                this.route();
              },
            },
            companies.map((c) => h("option", { value: c, selected: c === (this.api.company || this.me.working) }, c)),
          )
        : null;
    show(
      this.root,
      h(
        "header",
        { class: "top" },
        h("a", { class: "brand", href: "#/" }, "ERP"),
        h("span", { class: "database" }, this.api.database || "default database"),
        switcher,
        h("span", { class: "user" }, this.me.name || this.me.login),
        h("button", { type: "button", onclick: () => this.signOut() }, "Sign out"),
      ),
      h("div", { class: "body" }, this.menu, this.main),
      this.notice,
    );
    this.drawMenu();
  }

  /** The menus: each installed module's views the user may read. */
  drawMenu() {
    const modules = new Map();
    for (const view of this.catalogue.views.values()) {
      if (view.source.kind === "LINES" || !view.access.read) continue;
      if (!modules.has(view.module)) modules.set(view.module, []);
      modules.get(view.module).push(view);
    }
    const reports = reportsOf(this.catalogue);
    const implementer = [...this.catalogue.views.values()].some(
      (v) => v.model === "CONFIGURATION" && v.access.read,
    );
    // a menu section: its title, and a link for each of `items` (`link` gives its address,
    // its data attribute and its text).
    const section = (title, items, link) =>
      h(
        "section",
        {},
        h("h2", {}, title),
        h(
          "ul",
          {},
          items.map((item) => {
            const [href, data, text] = link(item);
            return h("li", {}, h("a", { href, ...data }, text));
          }),
        ),
      );
    show(
      this.menu,
      implementer
        ? section("Implementation", ADMIN_PAGES, (p) => [`#/admin/${p.name}`, { "data-admin": p.name }, p.title])
        : null,
      reports.length
        ? section("Reports", reports, (r) => [`#/report/${r.name}`, { "data-report": r.name }, r.title])
        : null,
      [...modules].map(([module, views]) =>
        section(module, views, (view) => [
          view.source.kind === "SINGLE" ? `#/form/${view.name}` : `#/list/${view.name}`,
          { "data-view": view.name },
          view.title,
        ]),
      ),
    );
  }

  /**
   * Draws the page the address names. Only the latest call shows its page: an answer arriving
   * late draws into a page no longer shown. `quietly` (a redraw nobody asked for, after a
   * configuration change) keeps the page shown until the new one is ready, and keeps it for
   * good if it is a form typed into meanwhile.
   */
  async route({ quietly = false } = {}) {
    const [, page, name, ...rest] = window.location.hash.replace(/^#/, "").split("/");
    if (page === "manager") {
      this.inManager = true;
      await drawManager(this.root, this.managerState);
      return;
    }
    if (this.inManager) {
      // back from the manager: the signed-in page again, or signing in.
      this.inManager = false;
      if (this.api && this.catalogue) this.layout();
      else this.signInPage();
    }
    if (!this.api || !this.catalogue) return;
    const view = name ? this.catalogue.view(decodeURIComponent(name)) : null;
    for (const link of this.menu.querySelectorAll("a")) {
      const current =
        page === "report" ? link.dataset.report === name
          : page === "admin" ? link.dataset.admin === name
            : link.dataset.view === (view && view.name);
      link.toggleAttribute("aria-current", Boolean(current));
    }
    const turn = ++this.routes;
    // a quiet redraw puts the cursor back in the field it was in.
    const active = document.activeElement && document.activeElement.closest("[data-field]");
    const focused = quietly && active && this.main.contains(active) ? active.dataset.field : null;
    const root = h("div", { class: "view" });
    if (!quietly) {
      this.currentForm = null;
      show(this.main, root);
    }
    this.shownHash = window.location.hash;
    let form = null;
    try {
      if (page === "report") {
        await drawReport(this, root, name, this.reportStates.get(name) || {});
      } else if (page === "admin") {
        await drawAdmin(this, root, name, rest.map(decodeURIComponent));
      } else if (!page) {
        show(
          root,
          h("h1", {}, `Welcome, ${this.me.name || this.me.login}`),
          h("p", {}, "Pick a list in the menu."),
        );
      } else if (!view) {
        show(root, h("p", { class: "error", role: "alert" }, "This screen is not installed."));
      } else if (page === "list") {
        await drawList(this, root, view, this.listStates.get(view.name) || {});
      } else if (page === "form") {
        const key = rest.length ? decodeURIComponent(rest.join("/")) : null;
        form = await drawForm(this, root, view, key);
      } else if (page === "history") {
        await drawHistory(this, root, view, decodeURIComponent(rest.join("/")));
      } else if (page === "new") {
        form = await drawForm(this, root, view, null);
      } else {
        show(root, h("p", { class: "error", role: "alert" }, "There is no such page."));
      }
    } catch (error) {
      if (turn !== this.routes) return;
      // a quiet redraw that fails keeps the page shown (see `listen`).
      if (quietly && !(error instanceof ApiError && error.code === "UNAUTHENTICATED")) {
        this.notify(`The screens could not be brought up to date: ${error.message}`);
      } else {
        this.failed(error);
      }
      return;
    }
    // a form drawn where the person sees it is the one leaving asks about, even if a redraw is
    // already on its way.
    if (this.main.contains(root)) this.currentForm = form || null;
    if (turn !== this.routes) return;
    if (quietly) {
      const shown = this.currentForm;
      if (shown && shown.dirty) {
        const view = this.catalogue.view(shown.view.name);
        if (view) shown.relabel(view);
        return;
      }
      show(this.main, root);
      this.currentForm = form || null;
    }
    if (form && (!quietly || focused)) form.focus(focused);
  }

  /** Goes to the list of the current view in `state` (its filters, sort and page). */
  go(state) {
    const [, , name] = window.location.hash.replace(/^#/, "").split("/");
    this.listStates.set(decodeURIComponent(name), state);
    this.route();
  }

  refresh() {
    this.optionCache.clear();
    this.route();
  }

  failed(error) {
    if (error instanceof ApiError && error.code === "UNAUTHENTICATED") {
      sessionStorage.removeItem("erp.session");
      this.signInPage("Your session has ended: sign in again.");
      return;
    }
    show(this.main, h("p", { class: "error", role: "alert" }, error.message));
  }

  notify(message) {
    if (!this.notice) return;
    this.notice.textContent = message;
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => {
      this.notice.textContent = "";
    }, 4000);
  }

  /** The records a reference to view `relation` may pick (the first hundred), cached. */
  async loadOptions(relation) {
    if (!relation) return [];
    if (this.optionCache.has(relation)) return this.optionCache.get(relation);
    const options = await this.findOptions(relation, null);
    // a list that could not be read just now is asked again next time.
    if (!options.failed) this.optionCache.set(relation, options);
    return options;
  }

  /**
   * The first hundred records of view `relation` a reference may pick, as options; with `text`,
   * those its list's text search finds. The list says whether more are left out (`more`), and
   * how to search it (`search`, when the list has a text filter).
   */
  async findOptions(relation, text) {
    const view = this.catalogue.view(relation);
    const options = [];
    if (!view || !view.access.read || (view.source.kind !== "RECORDS" && view.source.kind !== "CONFIGURATION")) {
      return options;
    }
    const { key, shown } = this.catalogue.display(view);
    const field = this.catalogue.listField(view);
    const whereType = this.catalogue.whereType(view);
    const textFilter = whereType && view.search.find((f) => f.type === "TEXT");
    const where = {};
    for (const f of view.list.fixed) where[f.field] = f.value;
    if (text && textFilter) where[textFilter.name] = text;
    const args = ["first: 100"];
    if (whereType && Object.keys(where).length) args.push("where: $where");
    const fields = [...new Set([key, shown])].filter((f) => this.schema.field(view.typeName, f));
    const page = `${field.name}(${args.join(", ")}) { nodes { ${fields.join(" ")} } pageInfo { hasNextPage } }`;
    const vars = args.length > 1 ? `($where: ${whereType})` : "";
    const query = view.source.kind === "CONFIGURATION"
      ? `query${vars} { configuration { ${page} } }`
      : `query${vars} { ${page} }`;
    try {
      const data = await this.api.request(query, args.length > 1 ? { where } : {});
      const list = view.source.kind === "CONFIGURATION" ? data.configuration[field.name] : data[field.name];
      for (const node of list.nodes) {
        options.push({ key: node[key], text: referenceText(this.catalogue, relation, node) });
      }
      options.more = Boolean(list.pageInfo && list.pageInfo.hasNextPage);
    } catch {
      // a list the user may not read (or not just now) offers nothing to pick.
      options.failed = true;
    }
    if (textFilter) options.search = (wanted) => this.findOptions(relation, wanted);
    return options;
  }

  optionsOf(relation) {
    return this.optionCache.get(relation) || [];
  }

  /**
   * Asks for what an action needs beyond the record (`needs`: input fields): a dialog with one
   * input each (holding what `filled` has for it), drawn as `form` (the view whose records the
   * action makes) draws that field;
   * lines (a list of `{ line, quantity }`) one row per line of the record, with what is left of
   * each. Resolves to the values, or null when cancelled.
   */
  async ask(title, needs, record, form, filled = {}) {
    const fieldsOf = form ? this.catalogue.fields(form) : [];
    const controls = [];
    const body = [];
    for (const need of needs) {
      const type = named(need.type);
      const inputType = this.schema.types.get(type);
      if (inputType && inputType.kind === "INPUT_OBJECT" && record && Array.isArray(record.lines)) {
        const rows = record.lines.map((line) => {
          const id = uniqueId("ask-line");
          const element = h("input", { id, inputmode: "decimal", value: remainingOf(line) });
          controls.push({ need, line, element });
          return h(
            "tr",
            {},
            h("td", {}, h("label", { for: id }, line.description || `Line ${line.line}`)),
            h("td", {}, element),
          );
        });
        body.push(h("fieldset", {}, h("legend", {}, need.name), h("table", {}, h("tbody", {}, rows))));
        continue;
      }
      const id = uniqueId(`ask-${need.name}`);
      const field = fieldsOf.find((f) => f.name === need.name);
      let element;
      let label = need.name;
      if (field) {
        label = field.label;
        element = input(this.catalogue, { ...field, required: true }, filled[need.name] ?? null, {
          id,
          options: await this.loadOptions(field.relation),
        });
      } else {
        element = h("input", {
          id,
          name: need.name,
          type: type === "NaiveDate" ? "date" : /password/i.test(need.name) ? "password" : "text",
          required: true,
          value: filled[need.name] ?? "",
        });
      }
      controls.push({ need, element, field });
      body.push(h("div", { class: "field", "data-field": need.name }, h("label", { for: id }, label), element.searchBox || null, element));
    }
    return new Promise((resolve) => {
      const close = (value) => {
        dialog.close();
        dialog.remove();
        resolve(value);
      };
      const dialog = h(
        "dialog",
        { "aria-label": title },
        formOf(
          { method: "dialog" },
          () => {
            const values = {};
            for (const { need, line, element, field } of controls) {
              if (line) {
                values[need.name] = values[need.name] || [];
                if (element.value.trim() !== "" && Number(element.value) !== 0) {
                  values[need.name].push({ line: line.line, quantity: element.value.trim() });
                }
              } else if (field) {
                values[need.name] = inputValue(field, element);
              } else {
                values[need.name] = element.value.trim();
              }
            }
            close(values);
          },
          h("h2", {}, title),
          body,
          h(
            "div",
            { class: "buttons" },
            h("button", { type: "submit", class: "primary" }, title),
            h("button", { type: "button", onclick: () => close(null) }, "Cancel"),
          ),
        ),
      );
      dialog.addEventListener("cancel", () => resolve(null));
      document.body.append(dialog);
      dialog.showModal();
    });
  }
}

/** The databases this browser signed in to, the latest first (names only, no credentials). */
function knownDatabases() {
  try {
    const known = JSON.parse(localStorage.getItem("erp.databases") || "[]");
    return Array.isArray(known) ? known.filter((name) => typeof name === "string") : [];
  } catch {
    return [];
  }
}

/** What is left to deliver of an order line. */
function remainingOf(line) {
  const quantity = Number(line.quantity || 0);
  const delivered = Number(line.delivered || 0);
  return String(Math.max(quantity - delivered, 0));
}

const app = new App(document.getElementById("app"));
app.start().catch((error) => app.signInPage(error.message));
