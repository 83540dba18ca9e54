package console_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach/store"
)

// seedNPS adds to seedCS: answers at Ada's initech (one a detractor with a
// comment only Ada may read), a CSAT answer at acme, and comments at globex
// holding SQL, LIKE wildcards, markup and a spreadsheet formula.
func seedNPS(t *testing.T, e *env) {
	t.Helper()
	seedCS(t, e)
	addAnswer(t, e, "d-ini-1", "nps", "sam@initech.example", 1, "initech internal complaint", 3*day)
	addAnswer(t, e, "d-ini-2", "nps", "sam@initech.example", 9, "", 40*day)
	addAnswer(t, e, "d-csat-1", "csat-support", "pat@acme.example", 3, "support never called back", 2*day)
	addAnswer(t, e, "d-meta-1", "nps", "kim@globex.example", 8, `50% off_sale <b>bold</b> ' OR 1=1 --`, 20*day)
	addAnswer(t, e, "d-meta-2", "nps", "kim@globex.example", 6, `=HYPERLINK("http://evil.example","click")`, 21*day)
}

// addAnswer stores a sent survey delivery and its answer, ago before now.
func addAnswer(t *testing.T, e *env, id, campaign, email string, score int, comment string, ago time.Duration) {
	t.Helper()
	at := e.clock.Now().Add(-ago).UnixMilli()
	exec(t, e, `INSERT INTO deliveries (id, campaign, category, contact_id, account_id, occurrence, state,
		due_at, not_before, expires_at, sent_at, created_at, updated_at)
		SELECT ?, ?, 'survey', id, account_id, ?, 'sent', ?, ?, ?, ?, ?, ? FROM contacts WHERE email = ?`,
		id, campaign, id, at, at, at, at, at, at, email)
	exec(t, e, `INSERT INTO survey_responses (delivery_id, contact_id, campaign, score, comment, at, updated_at)
		SELECT ?, id, ?, ?, ?, ?, ? FROM contacts WHERE email = ?`, id, campaign, score, comment, at+3600_000, at+3600_000, email)
}

var commentText = regexp.MustCompile(`(?s)<blockquote>(.*?)</blockquote>`)

// comments returns the comments of a page, in order, as the page shows
// them (HTML-escaped).
func comments(body string) []string {
	var out []string
	for _, m := range commentText.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestNPSPage: a cs member's NPS page counts and lists the answers of the
// accounts they own only — whatever owner the URL names — with the trend,
// its margin of error (chart with title and desc, and a table), the
// breakdown, CSAT apart, and the comment feed; an admin sees everyone's
// and filters by owner.
func TestNPSPage(t *testing.T) {
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			seedNPS(t, e)
			cy := e.signIn(t, "cy@vendor.example")
			for _, u := range []string{"/console/nps", "/console/nps?owner=ada@vendor.example"} {
				code, body := get(t, cy, e.srv.URL+u)
				if code != http.StatusOK {
					t.Fatalf("%s: status %d: %s", u, code, body)
				}
				// Cy's NPS answers: acme 2, 4, 9, 10; globex 10, 8, 6: 3
				// promoters, 3 detractors of 7: NPS 0, margin of error
				// 1.96 × sqrt((3/7 + 3/7 − 0) / 7) × 100 = 68.6.
				for _, want := range []string{
					`<strong class="nps-score">0.0</strong> ± 68.6`, `<svg class="chart band"`, `<desc>2025-10: NPS 100.0 ± 0.0 (n = 1); 2025-11: NPS 100.0 ± 0.0 (n = 1); 2026-02: NPS -40.0 ± 70.1 (n = 5)`,
					`<th scope="row">2026-02</th><td class="num">-40.0</td><td class="num">70.1</td><td class="range">[-100.0, 30.1]</td>`, `<th scope="row">nps</th>`,
					"slow support", "love it", "Exports &lt;script&gt;keep&lt;/script&gt; failing",
					`<th scope="row">csat-support</th><td class="num">1</td><td class="num">0.0 %</td>`,
					"You see the answers of the accounts you own.",
				} {
					if !strings.Contains(body, want) {
						t.Errorf("%s lacks %q", u, want)
					}
				}
				for _, not := range []string{"initech internal complaint", "support never called back", `name="owner"`} {
					if strings.Contains(body, not) {
						t.Errorf("%s shows %q to cy", u, not)
					}
				}
			}
			_, body := get(t, cy, e.srv.URL+"/console/nps")
			if !strings.Contains(body, `aria-current="true">Last 12 months</a>`) {
				t.Error("the default period is not marked as the last 12 months")
			}
			last := regexp.MustCompile(`<a href="([^"]+)">Last year</a>`).FindStringSubmatch(body)
			if last == nil || !strings.Contains(last[1], "from=2025-01-01&amp;interval=month&amp;to=2025-12-31") {
				t.Fatalf("last year link: %v", last)
			}
			_, body = get(t, cy, e.srv.URL+strings.ReplaceAll(last[1], "&amp;", "&"))
			if !strings.Contains(body, `<th scope="row">2025-11</th>`) || strings.Contains(body, `<th scope="row">2026-02</th>`) ||
				!strings.Contains(body, `value="2025-12-31"`) {
				t.Error("last year's page does not show 2025 alone")
			}
			_, body = get(t, cy, e.srv.URL+"/console/nps?feed=csat")
			if got := comments(body); len(got) != 1 || got[0] != "support never called back" {
				t.Errorf("cy's CSAT feed: %q", got)
			}
			ada := e.signIn(t, "ada@vendor.example")
			_, body = get(t, ada, e.srv.URL+"/console/nps?by=owner")
			for _, want := range []string{"initech internal complaint", `<th scope="row">ada@vendor.example</th>`, `<th scope="row">cy@vendor.example</th>`} {
				if !strings.Contains(body, want) {
					t.Errorf("admin page lacks %q", want)
				}
			}
			_, body = get(t, ada, e.srv.URL+"/console/nps?owner=ADA@vendor.example")
			if got := comments(body); len(got) != 1 || got[0] != "initech internal complaint" {
				t.Errorf("admin filtered by owner: %q", got)
			}
			_, body = get(t, ada, e.srv.URL+"/console/nps?class=promoter&interval=week&from=2026-02-01&to=2026-03-02")
			if got := comments(body); fmt.Sprint(got) != "[love it]" {
				t.Errorf("promoters of February on: %q", got)
			}
			if !strings.Contains(body, `<th scope="row">2026-02-23</th>`) {
				t.Error("the weekly trend has no week of Monday 23 February")
			}
			_, body = get(t, ada, e.srv.URL+"/console/nps?campaign=csat-support")
			if !strings.Contains(body, "This is a CSAT campaign") || strings.Contains(body, `class="nps-score"`) {
				t.Error("a CSAT campaign shows an NPS")
			}
			for u, want := range map[string]int{
				"/console/nps?interval=day":                     http.StatusUnprocessableEntity,
				"/console/nps?by=account":                       http.StatusUnprocessableEntity,
				"/console/nps?from=2026-03-01&to=2026-01-01":    http.StatusUnprocessableEntity,
				"/console/nps?before=nope":                      http.StatusUnprocessableEntity,
				"/console/nps?class=angry":                      http.StatusUnprocessableEntity,
				"/console/nps?campaign=typo":                    http.StatusUnprocessableEntity,
				"/console/nps/export.csv?part=everything":       http.StatusUnprocessableEntity,
				"/console/nps?q=" + strings.Repeat("x", 201):    http.StatusUnprocessableEntity,
				"/console/nps?from=2010-01-01&to=2026-01-01":    http.StatusUnprocessableEntity,
				"/console/nps?from=2026-02-01&locale=pt-br":     http.StatusOK,
				"/console/nps?by=locale&interval=week&feed=nps": http.StatusOK,
			} {
				if code, _ := get(t, ada, e.srv.URL+u); code != want {
					t.Errorf("%s: %d, want %d", u, code, want)
				}
			}
			if code, _ := get(t, e.signIn(t, "mo@vendor.example"), e.srv.URL+"/console/nps"); code != http.StatusOK {
				t.Errorf("marketing: %d", code)
			}
		})
	}
}

// TestNPSSearchIsText: a search with SQL, LIKE wildcards and markup finds
// the comment that holds it, as text, and the page shows it escaped.
func TestNPSSearchIsText(t *testing.T) {
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			seedNPS(t, e)
			cy := e.signIn(t, "cy@vendor.example")
			want := "50% off_sale &lt;b&gt;bold&lt;/b&gt; &#39; OR 1=1 --"
			for _, q := range []string{"50%", "off_", "<b>bold</b>", "' OR 1=1 --", "OFF_SALE"} {
				code, body := get(t, cy, e.srv.URL+"/console/nps?q="+url.QueryEscape(q))
				if code != http.StatusOK {
					t.Fatalf("q=%s: %d", q, code)
				}
				if got := comments(body); len(got) != 1 || got[0] != want {
					t.Errorf("q=%s: %q, want the one comment", q, got)
				}
			}
			for _, q := range []string{"%", "_", "%%", "\\"} {
				if _, body := get(t, cy, e.srv.URL+"/console/nps?q="+url.QueryEscape(q)); q != "%" && q != "_" && len(comments(body)) != 0 {
					t.Errorf("q=%s matches %q", q, comments(body))
				} else if (q == "%" || q == "_") && len(comments(body)) != 1 {
					t.Errorf("q=%s: %q, want the comment holding it", q, comments(body))
				}
			}
		})
	}
}

// TestNPSExportMatchesPage: each CSV export holds what the page shows for
// the same query string: the trend and breakdown numbers, CSAT, and the
// comments in order, with formula cells defused; a cs member's export has
// only their accounts.
func TestNPSExportMatchesPage(t *testing.T) {
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			seedNPS(t, e)
			cy := e.signIn(t, "cy@vendor.example")
			query := "interval=month&by=role&class=detractor"
			_, page := get(t, cy, e.srv.URL+"/console/nps?"+query)
			csvOf := func(part string) [][]string {
				t.Helper()
				res, err := cy.Get(e.srv.URL + "/console/nps/export.csv?part=" + part + "&" + query)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
					t.Errorf("%s: Content-Type %q", part, ct)
				}
				if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="nps-`+part+"-") {
					t.Errorf("%s: Content-Disposition %q", part, cd)
				}
				rows, err := csv.NewReader(res.Body).ReadAll()
				if err != nil {
					t.Fatalf("%s: %v", part, err)
				}
				return rows
			}
			trend := csvOf("trend")
			if len(trend) < 3 || strings.Join(trend[0], ",") != "month,nps,margin_of_error_95,responses,promoters,passives,detractors" {
				t.Fatalf("trend CSV: %q", trend)
			}
			for _, r := range trend[1:] {
				row := fmt.Sprintf(`<tr><th scope="row">%s</th><td class="num">%s</td><td class="num">%s</td>`, r[0], r[1], r[2])
				if !strings.Contains(page, row) {
					t.Errorf("trend row %q is not on the page", r)
				}
			}
			groups := csvOf("breakdown")
			if fmt.Sprint(groups[1:]) != "[[champion 0.0 92.4 3 1 1 1] [admin 0.0 138.6 2 1 0 1] [user 0.0 138.6 2 1 0 1]]" {
				t.Errorf("breakdown CSV: %q", groups)
			}
			if csat := csvOf("csat"); fmt.Sprint(csat[1:]) != "[[csat-support 1 0.0 0 100.0]]" {
				t.Errorf("CSAT CSV: %q", csat)
			}
			cm := csvOf("comments")
			shown := comments(page)
			if len(cm)-1 != len(shown) || len(shown) != 3 {
				t.Fatalf("comments CSV has %d rows, the page %d: %q", len(cm)-1, len(shown), cm)
			}
			for i, r := range cm[1:] {
				text := r[4]
				if strings.HasPrefix(text, "'=") {
					text = text[1:]
				}
				esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(text)
				if esc != shown[i] {
					t.Errorf("comment %d: CSV %q, page %q", i, r[4], shown[i])
				}
				if r[10] == "" || (r[8] != "acme" && r[8] != "globex") {
					t.Errorf("comment %d of account %q (plan %q)", i, r[8], r[10])
				}
			}
			if cm[3][4] != `'=HYPERLINK("http://evil.example","click")` {
				t.Errorf("formula cell: %q", cm[3][4])
			}
		})
	}
}

// TestNPSFeedPages: the feed shows 50 comments a page and its "Older
// comments" link carries the filters and a cursor to the next 50, none
// repeated.
func TestNPSFeedPages(t *testing.T) {
	e := newEnv(t, store.SQLite)
	seedCS(t, e)
	for i := range 60 {
		addAnswer(t, e, fmt.Sprintf("d-many-%02d", i), "nps", "kim@globex.example", i%11, fmt.Sprintf("comment number %02d", i),
			time.Duration(i)*time.Hour)
	}
	cy := e.signIn(t, "cy@vendor.example")
	_, body := get(t, cy, e.srv.URL+"/console/nps?q=number")
	first := comments(body)
	older := regexp.MustCompile(`<a class="older" href="([^"]+)"`).FindStringSubmatch(body)
	if len(first) != 50 || older == nil {
		t.Fatalf("first page: %d comments, older link %v", len(first), older)
	}
	next := strings.ReplaceAll(older[1], "&amp;", "&")
	if !strings.Contains(next, "q=number") || !strings.Contains(next, "before=") {
		t.Errorf("older link %s", next)
	}
	_, body = get(t, cy, e.srv.URL+next)
	second := comments(body)
	if len(second) != 10 || second[0] != "comment number 50" || second[9] != "comment number 59" {
		t.Errorf("second page: %q", second)
	}
	if strings.Contains(body, `class="older"`) {
		t.Error("the last page links to an older one")
	}
}
