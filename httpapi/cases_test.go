package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/alerting"
	"github.com/outreach-dev/outreach/dispatch"
	"github.com/outreach-dev/outreach/internal/syncbuf"
	"github.com/outreach-dev/outreach/links"
)

// TestCasesFromASurveyAnswer: a detractor's answer posted on the survey
// page opens a follow-up case once the alert loop runs; the alert's "I'm
// on it" link takes it; PATCH moves it and refuses transitions that do not
// exist with a 422 naming the field.
func TestCasesFromASurveyAnswer(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	e.s.Cases = &Cases{Store: e.db, Links: e.signer}
	ctx := context.Background()
	if _, err := e.db.UpsertAccounts(ctx, []outreach.Account{{ExternalID: "a1", OwnerEmail: "csm@vendor.example"}}); err != nil {
		t.Fatal(err)
	}
	pack := &outreach.Pack{Campaigns: []outreach.Campaign{{Key: "nps-qbr", Category: outreach.CategorySurvey, Survey: outreach.SurveyNPS}},
		Alerts: []outreach.AlertRule{{Key: "detractor", Survey: outreach.SurveyNPS, ScoreMax: new(6), NotifyOwner: true, FollowUp: 48 * time.Hour}}}
	e.s.Feedback.Pack = func() *outreach.Pack { return pack }
	e.deliver(t, "d1", "nps-qbr", outreach.CategorySurvey, outreach.DeliverySent, "bob@example.com")
	if res, body := e.form(t, e.surveyPath("d1", 2), "score=2&comment=nothing+works"); res.StatusCode != http.StatusOK {
		t.Fatalf("answer: %d %s", res.StatusCode, body)
	}
	mail := &dispatch.Recorder{}
	w := &alerting.Worker{Store: e.db, Pack: func() *outreach.Pack { return pack }, Sender: mail, Signer: e.signer,
		PublicURL: "https://outreach.example", From: "outreach@vendor.example", Window: -1}
	if _, err := w.Tick(ctx, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	admin := http.Header{"Authorization": {"Bearer " + adminToken}, "Content-Type": {"application/json"}}
	get := func(path string) []outreach.Case {
		t.Helper()
		res, body := e.request(t, http.MethodGet, path, "", "", admin)
		var out struct{ Cases []outreach.Case }
		if res.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &out) != nil {
			t.Fatalf("GET %s: %d %s", path, res.StatusCode, body)
		}
		return out.Cases
	}
	cs := get("/api/v1/cases?state=open&owner=CSM@vendor.example&account=a1")
	if len(cs) != 1 || len(cs[0].Answers) != 1 || cs[0].Answers[0].Comment != "nothing works" {
		t.Fatalf("cases = %+v", cs)
	}
	id := cs[0].ID
	if got := get("/api/v1/cases?account=a2"); len(got) != 0 {
		t.Errorf("cases of a2 = %+v", got)
	}
	// The alert email's "I'm on it" link: GET changes nothing, POST takes it.
	msgs := mail.Messages()
	if len(msgs) != 1 {
		t.Fatalf("alert emails = %d", len(msgs))
	}
	i := strings.Index(msgs[0].Text, "https://outreach.example/c/")
	take := strings.Fields(msgs[0].Text[i:])[0]
	u, _ := url.Parse(take)
	if res, body := e.request(t, http.MethodGet, u.Path, "", "", nil); res.StatusCode != 200 || !strings.Contains(body, "<form method=\"post\">") {
		t.Fatalf("GET take: %d %s", res.StatusCode, body)
	}
	if got := get("/api/v1/cases?state=open"); len(got) != 1 {
		t.Fatal("GET of the take link changed the case")
	}
	if res, body := e.request(t, http.MethodPost, u.Path, "", "", nil); res.StatusCode != 200 || !strings.Contains(body, "in progress, assigned to csm@vendor.example") ||
		!strings.Contains(body, `<a href="/console/cases/`+strconv.FormatInt(id, 10)+`">`) {
		t.Fatalf("POST take: %d %s", res.StatusCode, body)
	}
	patch := func(body string) (int, string) {
		res, text := e.request(t, http.MethodPatch, "/api/v1/cases/"+strconv.FormatInt(id, 10), "", body, admin)
		return res.StatusCode, text
	}
	for _, c := range []struct {
		body, field string
	}{
		{`{"state":"closed"}`, "note"},
		{`{"state":"done","note":"x"}`, "state"},
		{`{"state":"in_progress"}`, "note"},
		// The domain's bound on a note, whichever path the note takes.
		{`{"state":"closed","note":"` + strings.Repeat("é", outreach.MaxCaseNoteRunes+1) + `"}`, "note"},
		{`{"state":"closed","note":"fixed\u0000"}`, "note"},
	} {
		status, text := patch(c.body)
		if status != http.StatusUnprocessableEntity || !strings.Contains(text, `"field":"`+c.field+`"`) {
			t.Errorf("PATCH %s: %d %s, want 422 naming %s", c.body, status, text, c.field)
		}
	}
	if status, text := patch(`{"state":"closed","note":"Called Bob: the export bug is fixed in 4.2"}`); status != 200 ||
		!strings.Contains(text, `"outcome":"Called Bob: the export bug is fixed in 4.2"`) || !strings.Contains(text, `"state":"closed"`) {
		t.Fatalf("close: %d %s", status, text)
	}
	if status, text := patch(`{"state":"open"}`); status != http.StatusUnprocessableEntity || !strings.Contains(text, `"field":"note"`) {
		t.Errorf("closed -> open without a note: %d %s", status, text)
	}
	if status, text := patch(`{"state":"open","note":"Bob wrote back: still broken"}`); status != 200 || !strings.Contains(text, `"state":"open"`) {
		t.Errorf("reopen with a note: %d %s", status, text)
	}
	if res, _ := e.request(t, http.MethodPatch, "/api/v1/cases/999", "", `{"state":"closed","note":"x"}`, admin); res.StatusCode != 404 {
		t.Errorf("unknown case: %d", res.StatusCode)
	}
	// The link and the API are audited like the console: who, which move.
	log, err := e.db.AuditEntries(ctx, outreach.AuditFilter{Target: "case " + strconv.FormatInt(id, 10)})
	if err != nil {
		t.Fatal(err)
	}
	var moves []string
	for i := len(log) - 1; i >= 0; i-- {
		moves = append(moves, log[i].Actor+" "+log[i].Action)
	}
	if got, want := strings.Join(moves, ", "), "csm@vendor.example case.taken, OUTREACH_API_TOKEN case.closed, OUTREACH_API_TOKEN case.reopened"; got != want {
		t.Errorf("audit log of the case: %s, want %s", got, want)
	}
}

// failingCases is a CaseStore whose change fails with an error that
// quotes the assignee's address, as a wrapped store error can.
type failingCases struct{ outreach.CaseStore }

func (failingCases) Case(_ context.Context, id int64, now time.Time) (*outreach.Case, error) {
	return &outreach.Case{ID: id, Account: "a1", State: outreach.CaseOpen, DueAt: now}, nil
}

func (failingCases) UpdateCase(_ context.Context, u outreach.CaseUpdate) (*outreach.Case, error) {
	return nil, fmt.Errorf("update case %d for %s: connection reset", u.ID, u.Assignee)
}

// TestCasePageFailureLogRedacted: when taking a case from the alert's
// link fails, the log line names the case, not the owner's address.
func TestCasePageFailureLogRedacted(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	var logs syncbuf.Buffer
	e.s.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	e.s.Cases = &Cases{Store: failingCases{}, Links: e.signer}
	const owner = "csm.secret@vendor.example"
	tok := e.signer.Sign(links.KindCase, "7 "+owner, e.clock.Now().Add(time.Hour))
	if res, body := e.request(t, http.MethodPost, "/c/"+tok, "", "", nil); res.StatusCode != http.StatusInternalServerError {
		t.Fatalf("take: %d %s", res.StatusCode, body)
	}
	if !strings.Contains(logs.String(), "case page failed") || strings.Contains(logs.String(), owner) {
		t.Errorf("log:\n%s", logs.String())
	}
}
