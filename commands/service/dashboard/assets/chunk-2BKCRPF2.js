// src/canonical.js
function escapeNonAscii(text) {
  return text.replace(
    /[\u007f-\uffff]/g,
    (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0")
  );
}
function encode(value) {
  if (value === null || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new Error("only safe integers are canonical");
    return String(value);
  }
  if (typeof value === "string") return escapeNonAscii(JSON.stringify(value));
  if (Array.isArray(value)) return "[" + value.map(encode).join(",") + "]";
  if (typeof value === "object") {
    const keys = Object.keys(value).sort();
    return "{" + keys.map((k) => escapeNonAscii(JSON.stringify(k)) + ":" + encode(value[k])).join(",") + "}";
  }
  throw new Error(`no canonical encoding for ${typeof value}`);
}
function canonicalJson(value) {
  return encode(value);
}

export {
  canonicalJson
};
