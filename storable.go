package outreach

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// Text that outside systems hand us (a webhook's bounce reason, a user
// agent) is stored as text; PostgreSQL refuses a NUL character or an
// invalid UTF-8 byte in a text column (and \u0000 in JSON it parses), and a
// refused value would fail the whole batch it arrived in. These functions
// are the one rule for making such text storable, the same on every
// dialect.

// StorableText returns s without NUL characters and with every invalid
// UTF-8 sequence replaced by U+FFFD.
func StorableText(s string) string {
	if utf8.ValidString(s) && !strings.ContainsRune(s, 0) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// StorableJSON returns the JSON document raw with StorableText applied to
// every string in it (keys included), unchanged when there is nothing to
// change. A document that does not parse becomes a JSON string of its
// storable text.
func StorableJSON(raw []byte) []byte {
	if utf8.Valid(raw) && !bytes.Contains(raw, []byte(`\u0000`)) && bytes.IndexByte(raw, 0) < 0 {
		return raw
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		b, _ := json.Marshal(StorableText(string(raw)))
		return b
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(storableValue(v)); err != nil {
		b, _ := json.Marshal(StorableText(string(raw)))
		return b
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n"))
}

// storableValue applies StorableText to every string of a decoded JSON
// value. (Decoding already replaced invalid UTF-8 with U+FFFD.)
func storableValue(v any) any {
	switch x := v.(type) {
	case string:
		return StorableText(x)
	case []any:
		for i := range x {
			x[i] = storableValue(x[i])
		}
		return x
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[StorableText(k)] = storableValue(e)
		}
		return out
	}
	return v
}
