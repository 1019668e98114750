import {
  h
} from "./chunk-NMVH4E44.js";

// src/forms.js
var counter = 0;
function control(field, id) {
  if (field.kind === "boolean") {
    return h("input", { id, name: field.name, type: "checkbox", checked: field.default === true });
  }
  if (field.choices && field.choices.length && field.kind === "text") {
    return h(
      "select",
      { id, name: field.name },
      field.required ? null : h("option", { value: "" }, "(default)"),
      field.choices.map((c) => h("option", { value: c, selected: c === field.default }, c))
    );
  }
  const number = field.kind === "integer" || field.kind === "time";
  return h("input", {
    id,
    name: field.name,
    type: number ? "number" : "text",
    required: field.required,
    min: number ? field.minimum : null,
    max: number ? field.maximum : null,
    maxlength: number ? null : field.max_length,
    placeholder: field.default !== null && field.default !== void 0 ? String(field.default) : ""
  });
}
function typeable(field) {
  if (["text", "integer", "time", "boolean"].includes(field.kind)) return true;
  return field.kind === "list" && field.item && field.item.kind === "text";
}
function valueOf(field, element) {
  if (field.kind === "boolean") return element.checked;
  const text = element.value.trim();
  if (text === "") return void 0;
  if (field.kind === "integer" || field.kind === "time") return Number(text);
  if (field.kind === "list") return text.split(",").map((t) => t.trim()).filter(Boolean);
  return text;
}
function fieldForm(fields, label, submit, { extra = [] } = {}) {
  const inputs = [];
  const status = h("span", { role: "status" });
  const form = h("form", { class: "inline", "aria-label": label });
  for (const field of [...extra, ...fields]) {
    const id = `f${++counter}-${field.name}`;
    const element = control(field, id);
    element.title = field.doc;
    inputs.push([field, element]);
    form.append(h("label", { for: id }, field.name.replace(/_/g, " "), element));
  }
  form.append(h("button", { type: "submit" }, label), status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = {};
    for (const [field, element] of inputs) {
      const value = valueOf(field, element);
      if (value !== void 0) values[field.name] = value;
    }
    status.textContent = "…";
    status.className = "";
    try {
      const answer = await submit(values);
      status.textContent = answer === void 0 ? "done" : answer;
      status.className = "ok";
    } catch (error) {
      status.textContent = error.message;
      status.className = "bad";
    }
  });
  return form;
}

export {
  typeable,
  valueOf,
  fieldForm
};
