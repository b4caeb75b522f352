// The reports as tables and pictures: the trial balance, the aged balance as bars, sales by
// month as a line, stock levels; each over a date range (or on a date) and "as of" a point in
// time, answered by the server as it stood then.

import { formOf, h, labelled, show, uniqueId } from "./dom.js";

/**
 * Each report: the module and view whose rights it goes with, its query, the arguments it
 * takes, and how it is drawn.
 */
export const REPORTS = [
  {
    name: "trial_balance",
    title: "Trial Balance",
    module: "account",
    view: "journal_entry",
    range: true,
    query: `query($from: NaiveDate, $to: NaiveDate, $asOf: AsOfInput) {
      report: trialBalance(from: $from, to: $to, asOf: $asOf) {
        lines { account name opening debit credit balance } totalDebit totalCredit totalBalance } }`,
    draw: (report) => [
      table(
        ["Account", "Name", "Opening", "Debit", "Credit", "Balance"],
        report.lines.map((l) => [l.account, l.name, l.opening, l.debit, l.credit, l.balance]),
        ["Total", "", "", report.totalDebit, report.totalCredit, report.totalBalance],
        [false, false, true, true, true, true],
      ),
    ],
  },
  {
    name: "aged_balance",
    title: "Aged Receivables",
    module: "account",
    view: "invoice",
    range: false,
    query: `query($date: NaiveDate, $asOf: AsOfInput) {
      report: agedBalance(kind: RECEIVABLE, date: $date, asOf: $asOf) {
        date lines { name notDue days0To30 days31To60 days61To90 over90 total }
        totals { notDue days0To30 days31To60 days61To90 over90 total } } }`,
    draw: (report) => {
      const buckets = [
        ["Not due", "notDue"],
        ["0–30 days", "days0To30"],
        ["31–60 days", "days31To60"],
        ["61–90 days", "days61To90"],
        ["Over 90 days", "over90"],
      ];
      return [
        bars(
          "Receivables by age",
          buckets.map(([label, key]) => ({ label, value: report.totals[key] })),
        ),
        table(
          ["Partner", ...buckets.map(([label]) => label), "Total"],
          report.lines.map((l) => [l.name, ...buckets.map(([, key]) => l[key]), l.total]),
          ["Total", ...buckets.map(([, key]) => report.totals[key]), report.totals.total],
          [false, true, true, true, true, true, true],
        ),
      ];
    },
  },
  {
    name: "sales_by_month",
    title: "Sales by Month",
    module: "sale",
    view: "sale_order",
    range: true,
    query: `query($from: NaiveDate, $to: NaiveDate, $asOf: AsOfInput) {
      report: salesAnalysis(groupBy: MONTH, from: $from, to: $to, asOf: $asOf) {
        key name orders quantity untaxed total } }`,
    draw: (report) => [
      line(
        "Sales (untaxed) by month",
        report.map((l) => ({ label: l.name, value: l.untaxed })),
      ),
      table(
        ["Month", "Orders", "Quantity", "Untaxed", "Total"],
        report.map((l) => [l.name, l.orders, l.quantity, l.untaxed, l.total]),
        null,
        [false, true, true, true, true],
      ),
    ],
  },
  {
    name: "stock_levels",
    title: "Stock Levels",
    module: "stock",
    view: "product",
    range: false,
    query: `query($date: NaiveDate, $asOf: AsOfInput) {
      report: stockLevels(first: 100, date: $date, asOf: $asOf) {
        nodes { reference name uom onHand incoming outgoing forecast value } } }`,
    draw: (report) => [
      table(
        ["Reference", "Product", "Unit", "On hand", "Incoming", "Outgoing", "Forecast", "Value"],
        report.nodes.map((l) => [l.reference, l.name, l.uom, l.onHand, l.incoming, l.outgoing, l.forecast, l.value]),
        null,
        [false, false, false, true, true, true, true, true],
      ),
    ],
  },
];

/** The reports the user may read among those of the installed modules. */
export function reportsOf(catalogue) {
  const installed = catalogue.installed || new Set();
  return REPORTS.filter((report) => {
    const view = catalogue.view(report.view);
    return installed.has(report.module) && view && view.access.read;
  });
}

/** Draws report `name` into `root`, with `state` (its dates and as-of point). */
export async function drawReport(app, root, name, state) {
  const report = REPORTS.find((r) => r.name === name);
  if (!report) {
    show(root, h("p", { class: "error", role: "alert" }, "There is no such report."));
    return;
  }
  const ids = { from: uniqueId("from"), to: uniqueId("to"), date: uniqueId("date"), asOf: uniqueId("as-of") };
  const control = (id, label, type, key) =>
    labelled(label, h("input", { id, name: key, type, value: state[key] || "" }));
  const form = formOf(
    { class: "search", "aria-label": "Report options" },
    () => {
      const next = {};
      for (const element of form.querySelectorAll("input")) next[element.name] = element.value;
      app.reportStates.set(name, next);
      drawReport(app, root, name, next);
    },
    report.range
      ? [control(ids.from, "From", "date", "from"), control(ids.to, "To", "date", "to")]
      : control(ids.date, "On", "date", "date"),
    control(ids.asOf, "As of (leave empty for now)", "datetime-local", "asOf"),
    h("button", { type: "submit" }, "Show"),
  );
  const body = h("div", { class: "report", role: "region", "aria-label": report.title }, h("p", { class: "status" }, "Loading…"));
  show(root, h("div", { class: "title-bar" }, h("h1", {}, report.title)), form, body);
  const variables = {};
  for (const key of ["from", "to", "date"]) if (state[key]) variables[key] = state[key];
  if (state.asOf) variables.asOf = { time: new Date(state.asOf).toISOString() };
  try {
    const data = await app.api.request(report.query, variables);
    show(body, report.draw(data.report));
  } catch (error) {
    if (error.code === "UNAUTHENTICATED") return app.failed(error);
    show(body, h("p", { class: "error", role: "alert" }, error.message));
  }
}

/** A table of `rows` under `headers`, with a totals row; `numeric` right-aligns columns. */
function table(headers, rows, totals, numeric) {
  const cell = (tag, value, i) => h(tag, { class: numeric[i] ? "number" : null }, value ?? "");
  return h(
    "table",
    { class: "list" },
    h("thead", {}, h("tr", {}, headers.map((text, i) => h("th", { scope: "col", class: numeric[i] ? "number" : null }, text)))),
    h("tbody", {}, rows.length ? rows.map((row) => h("tr", {}, row.map((v, i) => cell("td", v, i)))) : h("tr", {}, h("td", { colspan: headers.length }, "Nothing."))),
    totals ? h("tfoot", {}, h("tr", {}, totals.map((v, i) => cell("th", v, i)))) : null,
  );
}

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

const WIDTH = 640;
const HEIGHT = 240;
const MARGIN = { top: 20, right: 40, bottom: 40, left: 80 };

/** Amounts are exact decimals from the server; a picture only needs them roughly. */
const amount = (value) => Number.parseFloat(value) || 0;

function axis(max) {
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * max);
  const y = (v) => MARGIN.top + (HEIGHT - MARGIN.top - MARGIN.bottom) * (1 - (max ? v / max : 0));
  return {
    y,
    lines: ticks.map((t) =>
      svg(
        "g",
        { class: "tick" },
        svg("line", { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(t), y2: y(t), stroke: "#d5dbe2" }),
        svg("text", { x: MARGIN.left - 8, y: y(t) + 4, "text-anchor": "end", "font-size": 11, fill: "#5b6775" }, t.toFixed(0)),
      ),
    ),
  };
}

/** Bars, one per `{ label, value }`. */
function bars(title, points) {
  const max = Math.max(0, ...points.map((p) => amount(p.value)));
  const { y, lines } = axis(max);
  const slot = (WIDTH - MARGIN.left - MARGIN.right) / Math.max(points.length, 1);
  return chart(
    title,
    lines,
    points.map((p, i) => {
        const x = MARGIN.left + i * slot + slot * 0.15;
        const top = y(amount(p.value));
        return svg(
          "g",
          { class: "bar" },
          svg("rect", { x, y: top, width: slot * 0.7, height: y(0) - top, fill: "#1f4e79" }, svg("title", {}, `${p.label}: ${p.value}`)),
          svg("text", { x: x + slot * 0.35, y: HEIGHT - MARGIN.bottom + 16, "text-anchor": "middle", "font-size": 11 }, p.label),
        );
    }),
  );
}

/** A picture of `children` over the axis, titled `title`. */
function chart(title, ...children) {
  return h(
    "figure",
    { class: "chart" },
    svg(
      "svg",
      { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", "aria-label": title, width: WIDTH, height: HEIGHT },
      children,
    ),
    h("figcaption", {}, title),
  );
}

/** A line through `{ label, value }` points, in order. */
function line(title, points) {
  const max = Math.max(0, ...points.map((p) => amount(p.value)));
  const { y, lines } = axis(max);
  const step = (WIDTH - MARGIN.left - MARGIN.right) / Math.max(points.length - 1, 1);
  const x = (i) => MARGIN.left + (points.length === 1 ? (WIDTH - MARGIN.left - MARGIN.right) / 2 : i * step);
  const path = points.map((p, i) => `${i ? "L" : "M"}${x(i)},${y(amount(p.value))}`).join(" ");
  return chart(
    title,
    lines,
    points.length ? svg("path", { class: "line", d: path, fill: "none", stroke: "#1f4e79", "stroke-width": 2 }) : null,
      points.map((p, i) =>
        svg(
          "g",
          { class: "point" },
          svg("circle", { cx: x(i), cy: y(amount(p.value)), r: 4, fill: "#1f4e79" }, svg("title", {}, `${p.label}: ${p.value}`)),
          svg("text", { x: x(i), y: HEIGHT - MARGIN.bottom + 16, "text-anchor": "middle", "font-size": 11 }, p.label),
        ),
      ),
  );
}
