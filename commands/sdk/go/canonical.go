package skms

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// CanonicalJSON encodes value byte for byte as ledger/canonical.py does: the bytes an actor
// signs in a command, so every client must produce exactly these. Python's json.dumps with
// sort_keys, separators (",", ":") and ensure_ascii: object keys in code-point order, no
// whitespace, every character outside ASCII as \uXXXX (UTF-16 units, lower-case hex),
// integers only, within the signed 64-bit range.
//
// Accepted values: nil, bool, string, the integer types, json.Number holding an integer,
// []any and map[string]any (what encoding/json decodes into with UseNumber), nested.
func CanonicalJSON(value map[string]any) ([]byte, error) {
	var out strings.Builder
	if err := encode(&out, value, ""); err != nil {
		return nil, err
	}
	return []byte(out.String()), nil
}

func named(path string) string {
	if path == "" {
		return "value"
	}
	return path
}

func encode(out *strings.Builder, value any, path string) error {
	switch v := value.(type) {
	case nil:
		out.WriteString("null")
	case bool:
		out.WriteString(strconv.FormatBool(v))
	case string:
		if !utf8.ValidString(v) {
			return fmt.Errorf("%s: not valid UTF-8", named(path))
		}
		quote(out, v)
	case int:
		out.WriteString(strconv.FormatInt(int64(v), 10))
	case int32:
		out.WriteString(strconv.FormatInt(int64(v), 10))
	case int64:
		if v == math.MinInt64 {
			return fmt.Errorf("%s: integer out of the signed 64-bit range", named(path))
		}
		out.WriteString(strconv.FormatInt(v, 10))
	case uint64:
		if v > math.MaxInt64 {
			return fmt.Errorf("%s: integer out of the signed 64-bit range", named(path))
		}
		out.WriteString(strconv.FormatUint(v, 10))
	case json.Number:
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil || n == math.MinInt64 {
			return fmt.Errorf("%s: only integers in the signed 64-bit range have a canonical "+
				"encoding", named(path))
		}
		out.WriteString(strconv.FormatInt(n, 10))
	case []any:
		out.WriteByte('[')
		for i, item := range v {
			if i > 0 {
				out.WriteByte(',')
			}
			if err := encode(out, item, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		out.WriteByte(']')
	case []string:
		items := make([]any, len(v))
		for i, s := range v {
			items[i] = s
		}
		return encode(out, items, path)
	case map[string]any:
		keys := make([]string, 0, len(v))
		for key := range v {
			keys = append(keys, key)
		}
		sort.Strings(keys) // byte order of UTF-8 is code-point order
		out.WriteByte('{')
		for i, key := range keys {
			if i > 0 {
				out.WriteByte(',')
			}
			if !utf8.ValidString(key) {
				return fmt.Errorf("%s: a key is not valid UTF-8", named(path))
			}
			quote(out, key)
			out.WriteByte(':')
			inner := key
			if path != "" {
				inner = path + "." + key
			}
			if err := encode(out, v[key], inner); err != nil {
				return err
			}
		}
		out.WriteByte('}')
	default:
		return fmt.Errorf("%s: type %T has no canonical encoding", named(path), value)
	}
	return nil
}

var shortEscapes = map[rune]string{'"': `\"`, '\\': `\\`, '\n': `\n`, '\r': `\r`, '\t': `\t`,
	'\b': `\b`, '\f': `\f`}

func quote(out *strings.Builder, text string) {
	out.WriteByte('"')
	for _, r := range text {
		switch {
		case shortEscapes[r] != "":
			out.WriteString(shortEscapes[r])
		case r < 0x20 || (r > 0x7e && r < 0x10000): // DEL too, as Python
			fmt.Fprintf(out, `\u%04x`, r)
		case r >= 0x10000:
			high, low := utf16.EncodeRune(r)
			fmt.Fprintf(out, `\u%04x\u%04x`, high, low)
		default:
			out.WriteRune(r)
		}
	}
	out.WriteByte('"')
}
