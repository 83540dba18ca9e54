package outreach_test

import (
	"strings"
	"testing"

	"github.com/outreach-dev/outreach"
)

func TestCanonicalEmail(t *testing.T) {
	ok := []struct{ in, want string }{
		{"Ana@Example.COM ", "Ana@example.com"},
		{"  bob@example.com\t", "bob@example.com"},
		{"josé@bücher.example", "josé@xn--bcher-kva.example"},
		{"jose\u0301@Bücher.example", "josé@xn--bcher-kva.example"}, // NFD → NFC
		{"ops@xn--bcher-kva.example", "ops@xn--bcher-kva.example"},
		{"a.b+tag@sub.example.co.uk", "a.b+tag@sub.example.co.uk"},
		{"иван@пример.рф", "иван@xn--e1afmkfd.xn--p1ai"},
		{"taro@日本語.jp", "taro@xn--wgv71a119e.jp"},
		{"user@ひらがな漢字.jp", "user@xn--v8j0cwa6gy22xv2ya.jp"},
	}
	for _, c := range ok {
		got, err := outreach.CanonicalEmail(c.in)
		if err != nil || got != c.want {
			t.Errorf("CanonicalEmail(%+q) = %+q, %v; want %+q", c.in, got, err, c.want)
		}
	}
	bad := []struct{ in, msg string }{
		{"id5\u200b@inj.example", "invisible character (U+200B)"},
		{"id6@inj.examp\u00adle", "invisible character (U+00AD)"},
		{"id7@inj.ex\u0430mple", `the domain label "ex\u0430mple" mixes Cyrillic and Latin letters`},
		{"id8@xn--exmple-4nf.example", "mixes Cyrillic and Latin letters"}, // the same, in punycode
		{"p\u0430ypal@example.com", `the local part "p\u0430ypal" mixes Cyrillic and Latin`},
		{"id9\u202e@inj.example", "bidirectional control character (U+202E)"},
		{"id10@inj.example\u200e", "bidirectional control character (U+200E)"},
		{"id11\u2060@inj.example", "invisible character (U+2060)"},
		{"id12\ufeff@inj.example", "invisible character (U+FEFF)"},
		{"id13\u3164@inj.example", "invisible character (U+3164)"},
		{"id14\ufe0f@inj.example", "invisible character (U+FE0F)"},
		{"id15\u00a0x@inj.example", "a space (U+00A0)"},
		{"id16\x07@inj.example", "control character (U+0007)"},
		{"id17@inj.example\x1b[0m", "control character (U+001B)"},
		{"id18@in\u200dj.example", "invisible character (U+200D)"},
		{"id19@inj_x.example", "valid domain name"},
		{"id20@-inj.example", "valid domain name"},
		{"Ana <ana@example.com>", "not a valid email address"},
		{"ana@localhost", "need name@domain.tld"},
		{"ana\xff@example.com", "not valid UTF-8"},
		{" ", "is required"},
	}
	for _, c := range bad {
		got, err := outreach.CanonicalEmail(c.in)
		if err == nil {
			t.Errorf("CanonicalEmail(%+q) = %+q; want an error", c.in, got)
			continue
		}
		if !strings.Contains(err.Error(), c.msg) {
			t.Errorf("CanonicalEmail(%+q) error %q; want it to say %q", c.in, err, c.msg)
		}
	}
}

// TestCanonicalEmailSuppressionKey shows the look-alikes of the audit no
// longer reach the store as new addresses: each is refused, and the
// accepted spellings of one address share one key.
func TestCanonicalEmailSuppressionKey(t *testing.T) {
	key := func(s string) string {
		c, err := outreach.CanonicalEmail(s)
		if err != nil {
			t.Fatalf("CanonicalEmail(%+q): %v", s, err)
		}
		return strings.ToLower(c)
	}
	if a, b := key("ID5@Inj.Example"), key(" id5@inj.example "); a != b {
		t.Errorf("keys differ: %q and %q", a, b)
	}
	if a, b := key("josé@BÜCHER.example"), key("jose\u0301@xn--bcher-kva.example"); a != b {
		t.Errorf("keys differ: %q and %q", a, b)
	}
}

func TestRedactEmails(t *testing.T) {
	cases := []struct{ in, want string }{
		{"ana@example.com", "a…@example.com"},
		{"no contact with email josé@xn--bcher-kva.example here", "no contact with email j…@xn--bcher-kva.example here"},
		{"550 5.1.1 <bob.smith+x@mail.example.org>: unknown", "550 5.1.1 <b…@mail.example.org>: unknown"},
		{"nothing to hide", "nothing to hide"},
	}
	for _, c := range cases {
		if got := outreach.RedactEmails(c.in); got != c.want {
			t.Errorf("RedactEmails(%q) = %q; want %q", c.in, got, c.want)
		}
	}
	if got := outreach.RedactEmail("@x.example"); got != "…@x.example" {
		t.Errorf("RedactEmail = %q", got)
	}
}
