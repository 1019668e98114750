/**
 * Canonical JSON, byte for byte as ledger/canonical.py writes it: the encoding of the
 * command an actor signs, so every client must produce exactly these bytes.
 *
 * The rules (Python's json.dumps with sort_keys, separators (",", ":"), ensure_ascii):
 * object keys sorted by code point, no whitespace, every character outside ASCII written
 * (and DEL) as \uXXXX (UTF-16 units, lower-case hex), integers only (no floats), within the signed
 * 64-bit range. Anything else is refused, naming where it is.
 */

export type Canonical = null | boolean | string | number | bigint | Canonical[] |
  { [key: string]: Canonical };

const LIMIT = 2n ** 63n;
const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f",
};

function hex4(unit: number): string {
  return "\\u" + unit.toString(16).padStart(4, "0");
}

/** A JSON string literal with every non-ASCII and control character escaped. */
export function quote(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    const unit = text.charCodeAt(i);
    if (SHORT_ESCAPES[ch] !== undefined) out += SHORT_ESCAPES[ch];
    else if (unit < 0x20 || unit > 0x7e) out += hex4(unit);
    else out += ch;
  }
  return out + '"';
}

/** Code-point order (what Python's sorted() gives for str), not UTF-16 unit order. */
function byCodePoint(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0) as number);
  const y = Array.from(b, (c) => c.codePointAt(0) as number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i] - y[i];
  }
  return x.length - y.length;
}

function encode(value: unknown, path: string): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "string") return quote(value);
  if (typeof value === "bigint" || typeof value === "number") {
    if (typeof value === "number" && !Number.isSafeInteger(value)) {
      throw new TypeError(`${path || "value"}: only integers have a canonical encoding ` +
        "(a number beyond 2^53 must be given as a bigint)");
    }
    const big = BigInt(value);
    if (big >= LIMIT || big <= -LIMIT) {
      throw new RangeError(`${path || "value"}: integer out of the signed 64-bit range`);
    }
    return big.toString();
  }
  if (Array.isArray(value)) {
    return "[" + value.map((item, i) => encode(item, `${path}[${i}]`)).join(",") + "]";
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => byCodePoint(a, b));
    return "{" + entries.map(([key, item]) =>
      quote(key) + ":" + encode(item, path ? `${path}.${key}` : key)).join(",") + "}";
  }
  throw new TypeError(`${path || "value"}: type ${typeof value} has no canonical encoding`);
}

/** The canonical encoding of a JSON object (ASCII text). */
export function canonicalJson(value: { [key: string]: unknown }): string {
  return encode(value, "");
}
