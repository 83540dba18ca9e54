package alerting_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/alerting"
	"github.com/outreach-dev/outreach/digest"
	"github.com/outreach-dev/outreach/dispatch"
	"github.com/outreach-dev/outreach/internal/pgtest"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/links"
	"github.com/outreach-dev/outreach/notify"
	"github.com/outreach-dev/outreach/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func intp(v int) *int { return &v }

// receiver is a Slack- or Teams-compatible incoming webhook that fails its
// first failures requests with a 500.
type receiver struct {
	mu       sync.Mutex
	failures int
	tries    int
	bodies   [][]byte
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tries++
	if r.tries <= r.failures {
		http.Error(w, "try later", http.StatusInternalServerError)
		return
	}
	r.bodies = append(r.bodies, b)
	_, _ = io.WriteString(w, "ok")
}

func (r *receiver) got() ([][]byte, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.bodies...), r.tries
}

type bundle struct {
	db           *store.DB
	w            *alerting.Worker
	mail         *dispatch.Recorder
	slack, teams *receiver
	now          time.Time
}

func setup(t *testing.T, dialect string) *bundle {
	b := &bundle{mail: &dispatch.Recorder{}, slack: &receiver{failures: 2}, teams: &receiver{}, now: t0}
	b.db = storetest.Open(t, dialect, func() time.Time { return b.now })
	slackSrv, teamsSrv := httptest.NewServer(b.slack), httptest.NewServer(b.teams)
	t.Cleanup(slackSrv.Close)
	t.Cleanup(teamsSrv.Close)
	ctx := context.Background()
	must(t, func() error {
		_, err := b.db.UpsertAccounts(ctx, []outreach.Account{{ExternalID: "acme", Name: "Acme", OwnerEmail: "csm@vendor.example", Plan: "Business", RenewalDate: "2026-06-30"},
			{ExternalID: "beta", Name: "Beta", OwnerEmail: "csm@vendor.example"}})
		return err
	})
	must(t, func() error {
		_, err := b.db.UpsertContacts(ctx, []outreach.Contact{
			{ExternalID: "ann", AccountExternalID: "acme", Email: "ann@acme.example", Name: "Ann\nSubject: forged", Role: "admin"},
			{ExternalID: "bob", AccountExternalID: "acme", Email: "bob@acme.example", Name: "Bob", Role: "champion"},
			{ExternalID: "eve", AccountExternalID: "beta", Email: "eve@beta.example", Name: "Eve"}})
		return err
	})
	must(t, func() error {
		_, err := b.db.UpsertTeam(ctx, []outreach.TeamMember{{Email: "csm@vendor.example", Name: "Maria",
			SlackWebhookURL: slackSrv.URL + "/services/T000/B000/secret", TeamsWebhookURL: teamsSrv.URL + "/webhook"}})
		return err
	})
	for _, c := range []string{"ann", "bob", "eve"} {
		raw := storetest.SQL(t, b.db)
		_, err := raw.Exec(raw.Rebind(`INSERT INTO deliveries (id, campaign, category, contact_id, account_id,
			occurrence, state, due_at, not_before, expires_at, sent_at, message_id, created_at, updated_at)
			SELECT ?, 'nps-qbr', 'survey', id, account_id, 'q1', 'sent', ?, ?, ?, ?, '', ?, ? FROM contacts WHERE external_id = ?`),
			"survey-"+c, t0.UnixMilli(), t0.UnixMilli(), t0.Add(time.Hour).UnixMilli(), t0.UnixMilli(), t0.UnixMilli(), t0.UnixMilli(), c)
		if err != nil {
			t.Fatal(err)
		}
	}
	signer, err := links.NewSigner("alerting-test-secret-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	pack := &outreach.Pack{Campaigns: []outreach.Campaign{{Key: "nps-qbr", Category: outreach.CategorySurvey, Survey: outreach.SurveyNPS}},
		Alerts: []outreach.AlertRule{{Key: "detractor", Survey: outreach.SurveyNPS, ScoreMax: intp(6), NotifyOwner: true, FollowUp: 48 * time.Hour}}}
	b.w = &alerting.Worker{Store: b.db, Pack: func() *outreach.Pack { return pack }, Sender: b.mail, Poster: notify.New(true),
		Signer: signer, PublicURL: "https://outreach.example", From: "Outreach <outreach@vendor.example>", Window: 30 * time.Second}
	return b
}

func must(t *testing.T, f func() error) {
	t.Helper()
	if err := f(); err != nil {
		t.Fatal(err)
	}
}

func (b *bundle) answer(t *testing.T, contact string, score int, comment string) {
	t.Helper()
	must(t, func() error {
		return b.db.RecordSurveyResponse(context.Background(), outreach.SurveyResponse{DeliveryID: "survey-" + contact,
			Score: score, Comment: comment, Survey: outreach.SurveyNPS})
	})
}

func (b *bundle) tick(t *testing.T, at time.Time) int {
	t.Helper()
	b.now = at
	n, err := b.w.Tick(context.Background(), at)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBurstIsOneAlertWithACase: two detractors and a promoter of one
// account within the window are one alert (email, Slack, Teams) listing
// both detractors, with one follow-up case; a Slack receiver that fails is
// retried until it takes the message; a later answer attaches to the same
// case and fires a second alert.
func TestBurstIsOneAlertWithACase(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		b := setup(t, dialect)
		ctx := context.Background()
		b.answer(t, "ann", 3, "The export is broken.\nSubject: you are fired")
		b.now = t0.Add(5 * time.Second)
		b.answer(t, "bob", 5, "")
		b.answer(t, "eve", 10, "love it") // a promoter of another account: no alert
		if n := b.tick(t, t0.Add(10*time.Second)); n != 0 || len(b.mail.Messages()) != 0 {
			t.Fatalf("within the window: %d sent, mail %d", n, len(b.mail.Messages()))
		}
		b.tick(t, t0.Add(31*time.Second))
		msgs := b.mail.Messages()
		if len(msgs) != 1 {
			t.Fatalf("emails = %d, want 1 alert for the burst", len(msgs))
		}
		m := msgs[0]
		if m.To != "csm@vendor.example" || m.Campaign != alerting.Campaign || m.Category != outreach.CategoryTransactional {
			t.Errorf("email = %+v", m)
		}
		for _, want := range []string{"3/10 (detractor) from Ann Subject: forged <ann@acme.example>, admin", "  > The export is broken.\n  > Subject: you are fired",
			"5/10 (detractor) from Bob <bob@acme.example>, champion", "Plan: Business", "Renewal: 2026-06-30", "Follow-up case: #",
			"I'm on it (take the case): https://outreach.example/c/", "Pause outreach to this account for 14 days: https://outreach.example/p/"} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("email text lacks %q:\n%s", want, m.Text)
			}
		}
		if strings.Contains(m.Text, "\nSubject: you are fired") || strings.Contains(m.Text, "eve@") {
			t.Errorf("email text forged or leaked:\n%s", m.Text)
		}
		teams, _ := b.teams.got()
		if len(teams) != 1 || !strings.Contains(string(teams[0]), `"application/vnd.microsoft.card.adaptive"`) {
			t.Fatalf("teams = %s", teams)
		}
		slack, tries := b.slack.got()
		if len(slack) != 0 || tries != 1 {
			t.Fatalf("slack after one failing try: %d bodies, %d tries", len(slack), tries)
		}
		b.tick(t, t0.Add(40*time.Second)) // before the retry: nothing
		b.tick(t, t0.Add(47*time.Second)) // first retry (15 s): fails again
		b.tick(t, t0.Add(80*time.Second)) // second retry (30 s): taken
		slack, tries = b.slack.got()
		if len(slack) != 1 || tries != 3 {
			t.Fatalf("slack: %d bodies after %d tries, want 1 after 3", len(slack), tries)
		}
		var msg struct {
			Text   string           `json:"text"`
			Blocks []map[string]any `json:"blocks"`
		}
		if err := json.Unmarshal(slack[0], &msg); err != nil || len(msg.Blocks) < 4 || !strings.Contains(string(slack[0]), `"I'm on it"`) ||
			!strings.Contains(string(slack[0]), "*3/10*") || !strings.Contains(string(slack[0]), "*5/10*") {
			t.Fatalf("slack body = %s (%v)", slack[0], err)
		}
		cases, err := b.db.Cases(ctx, outreach.CaseFilter{Account: "acme", Now: b.now})
		if err != nil {
			t.Fatal(err)
		}
		if len(cases) != 1 || cases[0].State != outreach.CaseOpen || len(cases[0].Answers) != 2 ||
			!cases[0].DueAt.Equal(t0.Add(48*time.Hour)) || cases[0].Alert != "detractor" || cases[0].Owner != "csm@vendor.example" {
			t.Fatalf("cases = %+v", cases)
		}
		// A later answer: a second alert, the same case.
		b.now = t0.Add(2 * time.Hour)
		b.answer(t, "ann", 1, "still broken")
		b.tick(t, t0.Add(2*time.Hour+31*time.Second))
		if got := len(b.mail.Messages()); got != 2 {
			t.Fatalf("emails = %d, want a second alert", got)
		}
		if cs, _ := b.db.Cases(ctx, outreach.CaseFilter{Now: b.now}); len(cs) != 1 || len(cs[0].Answers) != 2 || cs[0].Answers[1].Score != 1 {
			t.Fatalf("cases after the second alert = %+v", cs)
		}
		// Erasure redacts what the alerts stored.
		must(t, func() error { return b.db.EraseContact(ctx, "ann@acme.example") })
		var texts []string
		must(t, func() error { return storetest.SQL(t, b.db).Select(&texts, `SELECT text || body FROM notifications`) })
		for _, s := range texts {
			if strings.Contains(s, "ann@") || strings.Contains(s, "broken") {
				t.Errorf("notification keeps the erased contact: %s", s)
			}
		}
		if cs, _ := b.db.Cases(ctx, outreach.CaseFilter{Now: b.now}); len(cs) != 1 || len(cs[0].Answers) != 1 || cs[0].Answers[0].Contact != "bob@acme.example" {
			t.Errorf("case after erasure = %+v", cs)
		}
	})
}

func TestRetryAt(t *testing.T) {
	for _, c := range []struct {
		attempt int
		after   time.Duration
		want    time.Duration // 0 = give up
	}{
		{1, 0, 15 * time.Second},
		{2, time.Minute, 30 * time.Second},
		{9, time.Hour, time.Hour},
		{20, 23 * time.Hour, time.Hour},
		{21, 23*time.Hour + 30*time.Minute, 0},
	} {
		now := t0.Add(c.after)
		got := alerting.RetryAt(t0, c.attempt, now)
		if (c.want == 0) != got.IsZero() || (c.want != 0 && got.Sub(now) != c.want) {
			t.Errorf("attempt %d at +%v: %v, want +%v", c.attempt, c.after, got, c.want)
		}
	}
}

// TestCasesLeadTheDigest: the owner's digest opens with the follow-up
// cases, overdue first, and lists the cases closed in the period with their
// outcome notes.
func TestCasesLeadTheDigest(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		b := setup(t, dialect)
		ctx := context.Background()
		b.answer(t, "ann", 2, "")
		b.tick(t, t0.Add(time.Minute))
		b.now = t0.Add(time.Hour)
		b.answer(t, "eve", 4, "") // beta: a second case, closed below
		b.tick(t, t0.Add(time.Hour+time.Minute))
		cs, err := b.db.Cases(ctx, outreach.CaseFilter{Account: "beta"})
		if err != nil || len(cs) != 1 {
			t.Fatalf("beta cases = %+v, %v", cs, err)
		}
		if _, err := b.db.UpdateCase(ctx, outreach.CaseUpdate{ID: cs[0].ID, State: outreach.CaseClosed, Note: "Eve's invoices fixed;\nshe is happy"}); err != nil {
			t.Fatal(err)
		}
		signer, _ := links.NewSigner("digest-test-secret-0123456789")
		d, err := digest.Build(ctx, b.db, outreach.TeamMember{Email: "csm@vendor.example", Name: "Maria"}, t0.Add(-24*time.Hour), t0.Add(72*time.Hour), nil)
		if err != nil {
			t.Fatal(err)
		}
		subject, text, html, err := digest.Render(d, signer, "https://outreach.example")
		if err != nil {
			t.Fatal(err)
		}
		cases, feedback := strings.Index(text, "FOLLOW-UP CASES"), strings.Index(text, "FEEDBACK")
		if cases < 0 || feedback < 0 || cases > feedback {
			t.Fatalf("cases do not lead the digest:\n%s", text)
		}
		for _, want := range []string{"acme (detractor): open, due Wed 4 Mar, OVERDUE", "[2] ann@acme.example, nps-qbr",
			"Closed this period:", "beta (detractor): Eve's invoices fixed; she is happy"} {
			if !strings.Contains(text, want) {
				t.Errorf("digest text lacks %q:\n%s", want, text)
			}
		}
		// Each case links to its console page; a typed outcome stays on
		// its line of the text.
		for _, k := range d.Cases.Open {
			link := fmt.Sprintf("https://outreach.example/console/cases/%d", k.ID)
			if !strings.Contains(text, "in the console: "+link+"\n") || !strings.Contains(html, `href="`+link+`"`) {
				t.Errorf("the digest lacks the console link %s", link)
			}
		}
		if link := fmt.Sprintf("https://outreach.example/console/cases/%d", cs[0].ID); !strings.Contains(text, "she is happy\n    in the console: "+link+"\n") ||
			!strings.Contains(html, `href="`+link+`"`) {
			t.Errorf("the closed case lacks its console link %s:\n%s", link, text)
		}
		if !strings.Contains(subject, "1 open case (1 overdue)") || !strings.Contains(html, "overdue</strong>") || !strings.Contains(html, "Eve&#39;s invoices fixed") {
			t.Errorf("subject %q / html lacks the cases", subject)
		}
	})
}
