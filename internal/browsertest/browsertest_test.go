package browsertest_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/outreach-dev/outreach/internal/browsertest"
)

func TestMain(m *testing.M) { os.Exit(browsertest.Main(m)) }

const policy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:"

// pages serves small pages under the console's policy: a clean one and one
// for each thing the harness must catch.
func pages(t *testing.T) *httptest.Server {
	body := map[string]string{
		"/clean":    `<p>hello</p>`,
		"/inline":   `<p>x</p><script>document.title = "ran"</script>`,
		"/style":    `<p style="color:red">x</p>`,
		"/foreign":  `<img src="http://192.0.2.1/pixel.png" alt="">`,
		"/error":    `<script src="/err.js"></script>`,
		"/overflow": `<div class="wide">x</div><link rel="stylesheet" href="/wide.css">`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", policy)
		switch r.URL.Path {
		case "/err.js":
			w.Header().Set("Content-Type", "text/javascript")
			w.Write([]byte(`console.error("boom")`))
			return
		case "/wide.css":
			w.Header().Set("Content-Type", "text/css")
			w.Write([]byte(`.wide { width: 1000px; }`))
			return
		}
		b, ok := body[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><html lang="en"><head><meta name="viewport" content="width=device-width"><link rel="icon" href="data:,"><title>t</title></head><body>` + b + `</body></html>`))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestHarnessCatches: each kind of misbehaviour is reported, and a clean
// page reports nothing; otherwise the console's page tests could not fail.
func TestHarnessCatches(t *testing.T) {
	srv := pages(t)
	tab := browsertest.NewTab(t, srv.URL)
	cases := []struct{ path, want string }{
		{"/clean", ""},
		{"/inline", "script-src"},
		{"/style", "style-src"},
		{"/foreign", "another origin"},
		{"/error", "boom"},
	}
	for _, c := range cases {
		tab.Do(chromedp.Navigate(srv.URL+c.path), chromedp.WaitReady(chromedp.CSS("body")))
		tab.Settle()
		got := strings.Join(tab.Problems(), "\n")
		if c.want == "" && got != "" {
			t.Errorf("%s: problems on a clean page: %s", c.path, got)
		}
		if c.want != "" && !strings.Contains(got, c.want) {
			t.Errorf("%s: want a problem mentioning %q, got %q", c.path, c.want, got)
		}
	}
	tab.Do(chromedp.Navigate(srv.URL + "/overflow"))
	if sw, iw := tab.Widths(375); sw <= iw {
		t.Errorf("overflow not seen at 375 px: scroll width %d, window %d", sw, iw)
	}
	if sw, iw := tab.Widths(1440); sw > iw {
		t.Errorf("overflow seen at 1440 px: scroll width %d, window %d", sw, iw)
	}
	tab.Problems()
}
