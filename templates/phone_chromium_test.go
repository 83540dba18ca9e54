package templates_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/chromiumtest"
	"github.com/outreach-dev/outreach/templates"
)

// phoneLayout is what the browser measures of a rendered email.
type phoneLayout struct {
	ScrollWidth int `json:"scrollWidth"`
	Width       int `json:"width"`
	Links       int `json:"links"`
	Visible     int `json:"visible"`
	Rows        int `json:"rows"`
}

// measure runs in the page: the document's width, and how many score links
// lie entirely inside the viewport.
const measure = `(() => {
  const w = document.documentElement.clientWidth;
  const links = [...document.querySelectorAll('a')].filter(a => /[?&]score=\d+$/.test(a.href));
  const visible = links.filter(a => { const r = a.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= w; });
  const rows = new Set(links.map(a => Math.round(a.getBoundingClientRect().top))).size;
  return {scrollWidth: document.documentElement.scrollWidth, width: w, links: links.length, visible: visible.length, rows};
})()`

// TestSurveyEmailsFitPhones opens every survey email of the default pack,
// in every locale, in headless Chromium at 375 px and 320 px wide (phones):
// the email must not scroll sideways and all 11 score links must be on
// screen, in at most two rows; on a 800 px desktop they stay in one row.
func TestSurveyEmailsFitPhones(t *testing.T) {
	browser := chromiumtest.Browser(t)
	set := loadDefault(t)
	var mu sync.Mutex
	body := ""
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	for _, name := range []string{"nps", "csat"} {
		for _, loc := range set.Locales(name) {
			r, err := set.Render(name, loc, templates.SampleData(outreach.CategorySurvey, loc))
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			body = r.HTML
			mu.Unlock()
			for _, width := range []int64{800, 375, 320} {
				err := chromedp.Do(browser,
					chromedp.EmulateViewport(width, 800, chromedp.EmulateMobile),
					chromedp.Navigate(srv.URL+"/"+name+"/"+loc))
				if err != nil {
					t.Fatalf("%s/%s at %d px: %v", name, loc, width, err)
				}
				got, err := chromedp.Run(browser, chromedp.Evaluate[phoneLayout](measure))
				if err != nil {
					t.Fatalf("%s/%s at %d px: %v", name, loc, width, err)
				}
				maxRows := 2
				if width > 600 {
					maxRows = 1
				}
				if got.Width != int(width) || got.ScrollWidth > got.Width || got.Links != 11 || got.Visible != 11 || got.Rows > maxRows {
					t.Errorf("%s/%s at %d px: %+v; want no sideways scroll (scrollWidth <= width) and 11 of 11 score links on screen in at most %d rows",
						name, loc, width, got, maxRows)
				}
			}
		}
	}
	if !strings.Contains(body, "score=10") {
		t.Fatal("the emails have no score links")
	}
}
