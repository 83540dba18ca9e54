package templates

import (
	htmltemplate "html/template"
	"math/rand/v2"
	"strings"
	"testing"
)

// layoutValues are values that exercise every escaping rule: HTML
// specials, NUL, '+', quotes, URL schemes (allowed, refused, relative),
// percent escapes (valid, truncated, invalid), non-ASCII and invalid UTF-8.
var layoutValues = []string{
	"", "en", "pt-BR", "Acme Inc., 1 Main St", `<script>alert("x")</script>`, "a & b + c 'd'", "\x00nul", "é ü 日本 \U0001F600",
	"\xff\xfe broken", "https://outreach.example.com/u/tok-en_1.2~3", "HTTP://x.example/a b", "mailto:unsubscribe@acme.example?subject=unsubscribe%20t",
	"javascript:alert(1)", "data:text/html,x", "/relative/path:with-colon", "x/y:z", "%41%4a%zz%4", "%", "%4", "a%2", "ftp://host/file",
	"https://h/?q=a&b=c#frag[1]!$*,;=@", "https://h/\"'<>(){}|\\^`", "\t\n\r spaces ", "QzxLangQzx",
}

// randomValue returns a random string of bytes, weighted to specials.
func randomValue(r *rand.Rand) string {
	const alphabet = "abcXYZ019 <>&\"'+%:/?#=@!$*,;[]()-._~\x00\x7f\xc3\xa9\xff\t"
	prefixes := []string{"", "", "https://", "http://", "mailto:", "javascript:", "/"}
	var b strings.Builder
	b.WriteString(prefixes[r.IntN(len(prefixes))])
	for range r.IntN(24) {
		b.WriteByte(alphabet[r.IntN(len(alphabet))])
	}
	return b.String()
}

// TestLayoutSkeletonsMatchTheTemplate fills the precut skeletons and
// executes the html/template layout (and its footer) with the same values:
// the outputs must be identical.
func TestLayoutSkeletonsMatchTheTemplate(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	values := append([]string(nil), layoutValues...)
	for range 400 {
		values = append(values, randomValue(r))
	}
	pick := func() string { return values[r.IntN(len(values))] }
	for i := range 4000 {
		p := page{Lang: pick(), Subject: pick(), Postal: pick(), SentTo: pick(), UnsubURL: pick(), UnsubLabel: pick(),
			Body: htmltemplate.HTML(pick())}
		if i < len(values) { // every value in every place at least once
			v := values[i]
			p = page{Lang: v, Subject: v, Postal: v, SentTo: v, UnsubURL: v, UnsubLabel: v, Body: htmltemplate.HTML(v)}
		}
		for _, whole := range []bool{true, false} {
			var want, got strings.Builder
			var err error
			if whole {
				err = layout.Execute(&want, p)
			} else {
				err = layout.ExecuteTemplate(&want, "footer", p)
			}
			if err != nil {
				t.Fatal(err)
			}
			layoutSkeletons.pick(whole, &p).write(&got, &p)
			if got.String() != want.String() {
				t.Fatalf("whole=%v, page %+v:\n got %q\nwant %q", whole, p, got.String(), want.String())
			}
		}
	}
}
