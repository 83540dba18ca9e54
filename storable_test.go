package outreach_test

import (
	"testing"

	"github.com/outreach-dev/outreach"
)

func TestStorableText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain", "plain"},
		{"a\x00b", "ab"},
		{"bad \xff\xfe byte", "bad \uFFFD byte"},
		{"café ✓", "café ✓"},
	} {
		if got := outreach.StorableText(c.in); got != c.want {
			t.Errorf("StorableText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestStorableJSON(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"a":"b","n":1.50}`, `{"a":"b","n":1.50}`},
		{`{"reason":"x\u0000y","n":12345678901234567890}`, `{"n":12345678901234567890,"reason":"xy"}`},
		{"{\"useragent\":\"Moz\xffilla <b>\"}", `{"useragent":"Moz` + "\uFFFD" + `illa <b>"}`},
		{`{"text":"a literal \\u0000 stays"}`, `{"text":"a literal \\u0000 stays"}`},
		{"not json \xff", `"not json ` + "\uFFFD" + `"`},
	} {
		if got := string(outreach.StorableJSON([]byte(c.in))); got != c.want {
			t.Errorf("StorableJSON(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}
