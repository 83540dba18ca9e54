package httpapi

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
)

// TestResponsesExportAndNPSBreakdown: answers posted on the survey page
// come back from GET /api/v1/responses page by page (a stable cursor, JSON
// and CSV, comments included and formula-safe), and GET /api/v1/nps
// answers overall, series and groups with margins of error.
func TestResponsesExportAndNPSBreakdown(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	e.s.Responses = e.db
	admin := http.Header{"Authorization": {"Bearer " + adminToken}}
	for i, score := range []int{10, 2, 9, 7, 0} {
		id := fmt.Sprintf("d%d", i)
		e.deliver(t, id, "nps", outreach.CategorySurvey, outreach.DeliverySent, "bob@example.com")
		comment := url.QueryEscape(fmt.Sprintf("comment %d", i))
		if i == 1 {
			comment = url.QueryEscape("=HYPERLINK(\"http://evil\")")
		}
		if res, body := e.form(t, e.surveyPath(id, score), fmt.Sprintf("score=%d&comment=%s", score, comment)); res.StatusCode != 200 {
			t.Fatalf("answer %d: %d %s", i, res.StatusCode, body)
		}
		e.clock.Advance(24 * time.Hour)
	}
	var seen []string
	cursor := ""
	for page := 0; page < 5; page++ {
		res, body := e.request(t, http.MethodGet, "/api/v1/responses?limit=2&cursor="+cursor, "", "", admin)
		var out struct {
			Responses  []outreach.ResponseRow
			NextCursor string `json:"next_cursor"`
		}
		if res.StatusCode != 200 || json.Unmarshal([]byte(body), &out) != nil {
			t.Fatalf("page %d: %d %s", page, res.StatusCode, body)
		}
		for _, r := range out.Responses {
			seen = append(seen, fmt.Sprintf("%s:%d:%s", r.DeliveryID, r.Score, r.Class))
		}
		if out.NextCursor == "" {
			break
		}
		cursor = out.NextCursor
	}
	if got := strings.Join(seen, " "); got != "d0:10:promoter d1:2:detractor d2:9:promoter d3:7:passive d4:0:detractor" {
		t.Errorf("pages = %s", got)
	}
	res, body := e.request(t, http.MethodGet, "/api/v1/responses?format=csv&limit=3", "", "", admin)
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if res.StatusCode != 200 || err != nil || len(recs) != 4 || res.Header.Get("X-Next-Cursor") == "" {
		t.Fatalf("csv: %d %v %q", res.StatusCode, err, body)
	}
	if recs[0][4] != "comment" || recs[2][4] != `'=HYPERLINK("http://evil")` || recs[1][7] != "" {
		t.Errorf("csv rows = %q", recs)
	}
	if res, _ := e.request(t, http.MethodGet, "/api/v1/responses?cursor=nope", "", "", admin); res.StatusCode != 400 {
		t.Errorf("bad cursor: %d", res.StatusCode)
	}

	status, nps := e.getNPS(t, url.Values{"interval": {"week"}, "group_by": {"campaign"}})
	if status != 200 {
		t.Fatalf("nps: %d %v", status, nps)
	}
	overall := nps["overall"].(map[string]any)
	// 2 promoters, 1 passive, 2 detractors of 5: NPS 0, ±1.96·sqrt(0.8/5)·100 = 78.4.
	if overall["nps"] != 0.0 || overall["responses"] != 5.0 || overall["margin_of_error"] != 78.4 || nps["nps"] != 0.0 {
		t.Errorf("overall = %v", overall)
	}
	if groups := nps["groups"].([]any); len(groups) != 1 || groups[0].(map[string]any)["key"] != "nps" {
		t.Errorf("groups = %v", groups)
	}
	if series := nps["series"].([]any); len(series) < 1 {
		t.Errorf("series = %v", series)
	}
	if status, body := e.getNPS(t, url.Values{"interval": {"day"}}); status != 400 || !strings.Contains(fmt.Sprint(body), "interval") {
		t.Errorf("interval=day: %d %v", status, body)
	}
}

// TestResponsesCSVEveryCellFormulaSafe: every cell of the CSV export is
// formula-safe, not only the comment: a contact's address such as
// -2+3+cmd|'/ccalc'!a0@… is a valid address (the classic DDE payload) and
// so is an owner's =1+2@…; a spreadsheet would run either as a formula.
func TestResponsesCSVEveryCellFormulaSafe(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	e.s.Responses = e.db
	ctx := t.Context()
	evil := "-2+3+cmd|'/ccalc'!a0@example.com"
	if _, err := e.db.UpsertAccounts(ctx, []outreach.Account{{ExternalID: "=acct", Name: "Evil", OwnerEmail: "=1+2@vendor.example"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.UpsertContacts(ctx, []outreach.Contact{{ExternalID: "@c1", AccountExternalID: "=acct", Email: evil}}); err != nil {
		t.Fatal(err)
	}
	e.deliver(t, "d-evil", "nps", outreach.CategorySurvey, outreach.DeliverySent, evil)
	if res, body := e.form(t, e.surveyPath("d-evil", 3), "score=3&comment=fine"); res.StatusCode != 200 {
		t.Fatalf("answer: %d %s", res.StatusCode, body)
	}
	res, body := e.request(t, http.MethodGet, "/api/v1/responses?format=csv", "", "", http.Header{"Authorization": {"Bearer " + adminToken}})
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if res.StatusCode != 200 || err != nil || len(recs) != 2 {
		t.Fatalf("csv: %d %v %q", res.StatusCode, err, body)
	}
	for i, cell := range recs[1] {
		if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
			t.Errorf("column %s = %q: a spreadsheet runs it as a formula", recs[0][i], cell)
		}
	}
}
