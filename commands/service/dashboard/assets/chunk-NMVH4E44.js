// src/dom.js
function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === void 0 || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}
function append(element, children) {
  for (const child of children.flat()) {
    if (child === void 0 || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}
function table(columns, rows, render = (column, row) => row[column]) {
  return h(
    "table",
    {},
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows.map((row) => h("tr", {}, columns.map((c) => h("td", {}, render(c, row))))))
  );
}
function message(text, error = false) {
  return h("p", { class: error ? "message error" : "message", role: error ? "alert" : "status" }, text);
}
function when(micros) {
  return micros ? new Date(micros / 1e3).toISOString().replace(".000Z", "Z") : "";
}

export {
  h,
  append,
  table,
  message,
  when
};
