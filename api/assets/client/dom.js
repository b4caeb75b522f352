// Building the page: elements from tags, attributes and children, nothing else.

/**
 * `h("button", { class: "primary", onclick }, "Save")`: an element with its attributes (a
 * function is an event handler, `false`/`null` leaves the attribute out) and children (text or
 * elements; arrays are flattened, `null` skipped).
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") {
      element.addEventListener(name.replace(/^on/, ""), value);
    } else if (name === "value") {
      element.value = value;
    } else if (name === "checked") {
      element.checked = Boolean(value);
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces what `element` holds with `children`. */
export function show(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

let counter = 0;
/** An id no other element of the page has, to tie a label to its input. */
export function uniqueId(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}

/**
 * `formOf({ class: "search", "aria-label": "New stage" }, submit, ...children)`: a form that
 * stays on the page when sent: `submit` runs instead of the browser's submission.
 */
export function formOf(attributes, submit, ...children) {
  const onsubmit = (event) => {
    event.preventDefault();
    return submit();
  };
  return h("form", { ...attributes, onsubmit }, ...children);
}

/** `control` (an element with an id) under its label, as filters and small forms show them. */
export function labelled(label, control) {
  return h("div", { class: "filter" }, h("label", { for: control.id }, label), control);
}
