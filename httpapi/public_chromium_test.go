package httpapi

import (
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/chromiumtest"
)

// TestLinkScannerRecordsNothing opens the 11 survey links of one email in
// headless Chromium, which runs any script a page has, the way link
// scanners of mail providers do: none of them may record an answer. Then a
// person's click on the button records exactly one, which proves the
// browser really reached the pages.
func TestLinkScannerRecordsNothing(t *testing.T) {
	t.Parallel()
	browser := chromiumtest.Browser(t) // skips without Chromium, fails when CI=true
	e := newSQLiteEnv(t)
	e.deliver(t, "d1", "nps-onboarding", outreach.CategorySurvey, outreach.DeliverySent, "jane@example.com")
	srv := httptest.NewServer(e.h)
	t.Cleanup(srv.Close)

	for score := 0; score <= 10; score++ {
		url := srv.URL + e.surveyPath("d1", score)
		if err := chromedp.Do(browser, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("form"))); err != nil {
			t.Fatalf("open link %d in chromium: %v", score, err)
		}
		checked, err := chromedp.Run(browser, chromedp.AttributeValue(chromedp.CSS("input[name=score][checked]"), "value"))
		if err != nil {
			t.Fatalf("read link %d's page in chromium: %v", score, err)
		}
		if !checked.Exists || checked.Value != strconv.Itoa(score) {
			t.Errorf("link %d: the page has %+v selected", score, checked)
		}
	}
	if n := e.count(t, `SELECT COUNT(*) FROM survey_responses`); n != 0 {
		t.Fatalf("opening the links in a browser recorded %d responses, want none", n)
	}

	// The last page opened has 10 selected: a person presses the button.
	err := chromedp.Do(browser,
		chromedp.SendKeys(chromedp.ID("comment"), "Ótimo suporte"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitNotPresent(chromedp.CSS("form")),
	)
	if err != nil {
		t.Fatalf("submit the form in chromium: %v", err)
	}
	heading, err := chromedp.Run(browser, chromedp.Text(chromedp.CSS("h1")))
	if err != nil {
		t.Fatalf("read the thank-you page: %v", err)
	}
	if !strings.Contains(heading, "Obrigado") {
		t.Errorf("after submitting, the heading is %q, want the Portuguese thank-you", heading)
	}
	tl, err := e.db.Timeline(t.Context(), "jane@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if len(tl.Responses) != 1 || tl.Responses[0].Score != 10 || tl.Responses[0].Comment != "Ótimo suporte" {
		t.Errorf("responses after one click = %+v, want one answer of 10 with the comment", tl.Responses)
	}
}
