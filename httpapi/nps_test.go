package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
)

func TestNPSAPI(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	fbContacts(t, e.db, "a2", "carol@example.com")
	// bob (a1) answers 10 and 9, jane (a1) 6, carol (a2) 0; one survey
	// to carol is unanswered; a CSAT survey to bob is answered 10 a day
	// later.
	answers := []struct {
		id, campaign, email string
		score               int
	}{
		{"b1", "nps", "bob@example.com", 10}, {"b2", "nps", "bob@example.com", 9},
		{"j1", "nps", "jane@example.com", 6}, {"c1", "nps", "carol@example.com", 0}, {"c2", "nps", "carol@example.com", -1},
	}
	for _, a := range answers {
		e.deliver(t, a.id, a.campaign, outreach.CategorySurvey, outreach.DeliverySent, a.email)
		if a.score >= 0 {
			if res, body := e.form(t, e.surveyPath(a.id, a.score), "score="+strconv.Itoa(a.score)); res.StatusCode != http.StatusOK {
				t.Fatalf("answer %s: %d %s", a.id, res.StatusCode, body)
			}
		}
	}
	e.clock.Advance(24 * time.Hour)
	e.deliver(t, "csat1", "csat-support", outreach.CategorySurvey, outreach.DeliverySent, "bob@example.com")
	if res, _ := e.form(t, e.surveyPath("csat1", 10), "score=10"); res.StatusCode != http.StatusOK {
		t.Fatal("csat answer failed")
	}

	get := func(query url.Values) (int, map[string]any) { t.Helper(); return e.getNPS(t, query) }
	// Without campaign=, the CSAT survey is left out.
	status, all := get(url.Values{})
	if status != http.StatusOK || all["nps"] != 0.0 || all["promoters"] != 2.0 || all["passives"] != 0.0 ||
		all["detractors"] != 2.0 || all["responses"] != 4.0 || all["surveys_sent"] != 5.0 || all["response_rate"] != 0.8 ||
		fmt.Sprint(all["excluded_campaigns"]) != "[csat-support]" {
		t.Errorf("all: %d %v, want NPS 0 (2 promoters, 2 detractors of 4), 4 of 5 answered, csat-support excluded", status, all)
	}
	day := testNow.Add(12 * time.Hour).Format(time.RFC3339)
	status, m := get(url.Values{"campaign": {"nps"}, "account": {"a1"}, "to": {day}})
	if status != http.StatusOK || m["nps"] != 33.3 || m["responses"] != 3.0 || m["surveys_sent"] != 3.0 || m["account"] != "a1" {
		t.Errorf("nps, a1, first day: %d %v, want NPS 33.3 of 3", status, m)
	}
	status, m = get(url.Values{"from": {day}})
	if status != http.StatusOK || m["nps"] != nil || m["responses"] != 0.0 {
		t.Errorf("second day: %d %v, want no NPS answer (only a CSAT one)", status, m)
	}
	status, m = get(url.Values{"campaign": {"csat-support"}, "from": {day}})
	if status != http.StatusOK || m["nps"] != 100.0 || m["responses"] != 1.0 || m["csat"] != true {
		t.Errorf("csat-support, second day: %d %v, want the CSAT answer, marked csat", status, m)
	}
	status, m = get(url.Values{"campaign": {"nps"}, "from": {day}})
	if status != http.StatusOK || m["nps"] != nil || m["responses"] != 0.0 || m["csat"] != nil {
		t.Errorf("no responses: %d %v, want nps null", status, m)
	}
	for _, bad := range []url.Values{{"from": {"yesterday"}}, {"to": {"2026-13-01"}}, {"from": {day}, "to": {day}}} {
		if status, m := get(bad); status != http.StatusBadRequest || m["error"] == nil {
			t.Errorf("%v: %d %v, want 400 with a message", bad, status, m)
		}
	}
	if status, _ := get(url.Values{"account": {"nope"}}); status != http.StatusNotFound {
		t.Errorf("unknown account: %d, want 404", status)
	}
	if res, _ := e.request(t, http.MethodGet, "/api/v1/nps", "", "", nil); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("without a token: %d, want 401", res.StatusCode)
	}
	tl, err := e.db.Timeline(t.Context(), "bob@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if len(tl.Responses) != 3 {
		t.Errorf("bob's timeline has %d responses, want 3", len(tl.Responses))
	}
}

// TestNPSLeavesOutCSAT: a campaign is CSAT by its key or its template in
// the active pack; without campaign= its answers do not move the NPS, with
// campaign= they are reported (marked csat). An unknown campaign is a 404.
func TestNPSLeavesOutCSAT(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	e.s.Feedback.Pack = func() *outreach.Pack {
		return &outreach.Pack{Campaigns: []outreach.Campaign{
			{Key: "nps-onboarding", Category: outreach.CategorySurvey, Template: "nps", Survey: outreach.SurveyNPS},
			{Key: "ticket-feedback", Category: outreach.CategorySurvey, Template: "csat", Survey: outreach.SurveyCSAT},
			{Key: "nps-qbr", Category: outreach.CategorySurvey, Template: "nps", Survey: outreach.SurveyNPS}, // never sent
		}}
	}
	get := func(query url.Values) (int, map[string]any) { t.Helper(); return e.getNPS(t, query) }
	answer := func(id, campaign string, score int) {
		t.Helper()
		e.deliver(t, id, campaign, outreach.CategorySurvey, outreach.DeliverySent, "bob@example.com")
		if res, body := e.form(t, e.surveyPath(id, score), "score="+strconv.Itoa(score)); res.StatusCode != http.StatusOK {
			t.Fatalf("answer %s: %d %s", id, res.StatusCode, body)
		}
	}
	answer("n1", "nps-onboarding", 0)
	if status, m := get(nil); status != http.StatusOK || m["nps"] != -100.0 {
		t.Fatalf("one NPS answer of 0: %d %v, want NPS -100", status, m)
	}
	answer("t1", "ticket-feedback", 10) // csat template, key without "csat"
	answer("r1", "csat-old", 10)        // removed from the pack; the key says CSAT
	answer("o1", "nps-old", 0)          // removed from the pack, NPS
	status, m := get(nil)
	if status != http.StatusOK || m["nps"] != -100.0 || m["responses"] != 2.0 || m["surveys_sent"] != 2.0 ||
		fmt.Sprint(m["excluded_campaigns"]) != "[csat-old ticket-feedback]" {
		t.Errorf("after CSAT answers of 10: %d %v, want NPS -100 of the 2 NPS answers, CSAT campaigns excluded", status, m)
	}
	if status, m := get(url.Values{"account": {"a1"}}); status != http.StatusOK || m["nps"] != -100.0 || m["responses"] != 2.0 {
		t.Errorf("account a1: %d %v, want NPS -100 of the 2 NPS answers", status, m)
	}
	status, m = get(url.Values{"campaign": {"ticket-feedback"}})
	if status != http.StatusOK || m["nps"] != 100.0 || m["responses"] != 1.0 || m["csat"] != true || m["excluded_campaigns"] != nil {
		t.Errorf("campaign=ticket-feedback: %d %v, want its answer, marked csat", status, m)
	}
	status, m = get(url.Values{"campaign": {"nps-old"}})
	if status != http.StatusOK || m["nps"] != -100.0 || m["csat"] != nil {
		t.Errorf("campaign=nps-old (removed, sent): %d %v, want its answer", status, m)
	}
	status, m = get(url.Values{"campaign": {"nps-qbr"}})
	if status != http.StatusOK || m["nps"] != nil || m["responses"] != 0.0 {
		t.Errorf("campaign=nps-qbr (in the pack, never sent): %d %v, want 200 with nps null", status, m)
	}
	status, m = get(url.Values{"campaign": {"nps-onbaording"}})
	if msg, _ := m["error"].(string); status != http.StatusNotFound || !strings.Contains(msg, `"nps-onbaording"`) {
		t.Errorf("campaign=nps-onbaording (a typo): %d %v, want 404 naming it", status, m)
	}
}

// getNPS asks GET /api/v1/nps with the admin token and decodes the answer.
func (e *fbEnv) getNPS(t *testing.T, query url.Values) (int, map[string]any) {
	t.Helper()
	h := http.Header{"Authorization": {"Bearer " + adminToken}}
	res, body := e.request(t, http.MethodGet, "/api/v1/nps?"+query.Encode(), "", "", h)
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("nps body %q: %v", body, err)
	}
	return res.StatusCode, m
}
