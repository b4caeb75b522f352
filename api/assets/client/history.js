// A record's history: every event that made it, and a slider that shows the record as it
// stood after any of them (read from the server `asOf` that point, not rebuilt here).

import { h, show, uniqueId } from "./dom.js";
import { drawForm } from "./form.js";

const PAGE = 100;

/** Draws the history of record `key` of `view` into `root`. */
export async function drawHistory(app, root, view, key) {
  show(root, h("p", { class: "status", role: "status" }, "Loading…"));
  const events = [];
  let after = null;
  try {
    // every event of the record, a page at a time.
    for (;;) {
      const data = await app.api.request(
        `query($key: ID!, $after: String) { record: ${view.source.one}(id: $key) {
           history(first: ${PAGE}, after: $after) {
             pageInfo { hasNextPage endCursor }
             nodes { position asOf sequence type recordedAt user command } } } }`,
        { key, after },
      );
      if (!data.record) {
        show(root, h("p", { class: "status error", role: "alert" }, `No such ${view.title.toLowerCase()}.`));
        return;
      }
      events.push(...data.record.history.nodes);
      if (!data.record.history.pageInfo.hasNextPage) break;
      after = data.record.history.pageInfo.endCursor;
    }
  } catch (error) {
    if (error.code === "UNAUTHENTICATED") return app.failed(error);
    show(root, h("p", { class: "status error", role: "alert" }, error.message));
    return;
  }
  const sliderId = uniqueId("as-of");
  const caption = h("p", { class: "as-of", role: "status", "aria-live": "polite" });
  const record = h("div", { class: "as-of-record" });
  const slider = h("input", {
    id: sliderId,
    type: "range",
    min: 1,
    max: events.length,
    step: 1,
    value: events.length,
    "aria-valuetext": "",
  });
  const rows = events.map((event, i) =>
    h(
      "tr",
      { "data-sequence": event.sequence },
      h("td", { class: "number" }, event.sequence),
      h("td", {}, new Date(event.recordedAt).toLocaleString()),
      h("td", {}, event.type),
      h("td", {}, event.user || ""),
      h("td", {}, h("button", { type: "button", class: "link", onclick: () => pick(i + 1) }, "Show")),
    ),
  );
  // only the latest pick shows: a slider dragged fast asks once it rests, and an answer arriving
  // after a newer one is dropped.
  let picks = 0;
  let resting = null;
  const pick = async (n) => {
    const turn = ++picks;
    clearTimeout(resting);
    slider.value = n;
    const event = events[n - 1];
    const text = `As of event ${n} of ${events.length}: ${event.type}, ${new Date(event.recordedAt).toLocaleString()}${event.user ? ` by ${event.user}` : ""}`;
    caption.textContent = text;
    slider.setAttribute("aria-valuetext", text);
    rows.forEach((row, i) => row.classList.toggle("current", i === n - 1));
    const page = h("div", {});
    await drawForm(app, page, view, key, event.asOf);
    if (turn === picks) show(record, page);
  };
  slider.addEventListener("input", () => {
    const n = Number(slider.value);
    clearTimeout(resting);
    resting = setTimeout(() => pick(n), 150);
  });
  show(
    root,
    h(
      "div",
      { class: "title-bar" },
      h("h1", {}, `History of ${view.title.toLowerCase()}`),
      h("a", { class: "button", href: `#/form/${view.name}/${encodeURIComponent(key)}` }, "Back to the record"),
    ),
    h("div", { class: "slider" }, h("label", { for: sliderId }, "Point in time"), slider),
    caption,
    h("div", { class: "history" },
      h(
        "table",
        { class: "list", "aria-label": "Events" },
        h("thead", {}, h("tr", {}, ["#", "When", "What", "Who", ""].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, rows),
      ),
      record,
    ),
  );
  if (events.length) await pick(events.length);
}
