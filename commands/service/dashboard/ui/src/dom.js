// Building the page from values, never from HTML text: the CSP's Trusted Types rule
// ('trusted-types none') refuses every string-to-HTML sink, so nothing a server or a
// ledger event holds can become markup or script.

export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

export function append(element, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function table(columns, rows, render = (column, row) => row[column]) {
  return h("table", {},
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows.map((row) => h("tr", {}, columns.map((c) => h("td", {}, render(c, row)))))));
}

export function message(text, error = false) {
  return h("p", { class: error ? "message error" : "message", role: error ? "alert" : "status" }, text);
}

/** A ledger time (microseconds since the epoch) as ISO 8601 UTC. */
export function when(micros) {
  return micros ? new Date(micros / 1000).toISOString().replace(".000Z", "Z") : "";
}
