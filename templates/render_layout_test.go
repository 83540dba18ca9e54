package templates

import (
	htmltemplate "html/template"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
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

// FuzzLayoutSkeletonsMatchTheTemplate holds the hand-written escaping of
// the precut layout (render_layout.go) to html/template's own on any
// values: `go test -fuzz FuzzLayoutSkeletons ./templates` explores, and the
// seed corpus (every value of layoutValues in every place) runs with the
// ordinary tests.
func FuzzLayoutSkeletonsMatchTheTemplate(f *testing.F) {
	for i, v := range layoutValues {
		w := layoutValues[(i+7)%len(layoutValues)]
		f.Add(v, w, v, w, v, w, v)
	}
	f.Fuzz(func(t *testing.T, lang, subject, postal, sentTo, unsubURL, unsubLabel, body string) {
		p := page{Lang: lang, Subject: subject, Postal: postal, SentTo: sentTo, UnsubURL: unsubURL,
			UnsubLabel: unsubLabel, Body: htmltemplate.HTML(body)}
		for _, whole := range []bool{true, false} {
			var want, got strings.Builder
			var err error
			if whole {
				err = layout.Execute(&want, p)
			} else {
				err = layout.ExecuteTemplate(&want, "footer", p)
			}
			if err != nil {
				t.Skip("html/template refuses the values:", err)
			}
			layoutSkeletons.pick(whole, &p).write(&got, &p)
			if got.String() != want.String() {
				t.Fatalf("whole=%v, page %+v:\n got %q\nwant %q", whole, p, got.String(), want.String())
			}
		}
	})
}

// BenchmarkLayout is why render_layout.go exists: it fills the layout of
// an NPS email (an 8 KiB body) with the precut skeletons and with
// html/template in the same run, and reports the ratio. Keep the
// hand-written escaping only while the ratio is large against a whole
// render (BenchmarkRenderNPS).
func BenchmarkLayout(b *testing.B) {
	p := page{Lang: "pt-BR", Subject: "Qual a chance de você nos indicar a um colega?",
		Postal: "Outreach Inc., 548 Market Street, San Francisco, CA 94104, USA", SentTo: "ana.souza@example.com",
		UnsubURL: "https://outreach.example.com/u/sample-unsubscribe-token", UnsubLabel: "Cancelar inscrição",
		Body: htmltemplate.HTML(strings.Repeat(`<p>Olá Ana, <a href="https://outreach.example.com/s/t?score=1">1</a></p>`, 110))}
	// Both ways in the same run, interleaved in rounds so that a noisy
	// machine slows both alike.
	var spent [2]time.Duration
	var out strings.Builder
	for range 20 {
		for i := range spent {
			start := time.Now()
			for range 200 {
				out.Reset()
				if i == 0 {
					layoutSkeletons.pick(true, &p).write(&out, &p)
				} else if err := layout.Execute(&out, p); err != nil {
					b.Fatal(err)
				}
			}
			spent[i] += time.Since(start)
		}
	}
	perOp := [2]float64{float64(spent[0].Nanoseconds()) / 4000, float64(spent[1].Nanoseconds()) / 4000}
	b.Logf("per layout: skeleton %.1f µs, html/template %.1f µs", perOp[0]/1000, perOp[1]/1000)
	for b.Loop() {
		out.Reset()
		layoutSkeletons.pick(true, &p).write(&out, &p)
	}
	b.ReportMetric(perOp[1]/perOp[0], "html-template/skeleton")
}
