package digest_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/digest"
	"github.com/outreach-dev/outreach/links"
	"github.com/outreach-dev/outreach/store"
)

var casey = outreach.TeamMember{Email: csm, Name: "Casey", Timezone: "Asia/Tokyo", DigestSchedule: "0 8 * * MON"}

func TestBuildSections(t *testing.T) {
	eachDialect(t, func(t *testing.T, db *store.DB) {
		seedFull(t, db)
		d, err := digest.Build(context.Background(), db, casey, periodStart, periodEnd, pack)
		if err != nil {
			t.Fatal(err)
		}
		if d.Empty() {
			t.Fatal("digest is empty")
		}
		if len(d.Accounts) != 2 || d.Accounts[0].ExternalID != "acme" || d.Accounts[1].ExternalID != "globex" {
			t.Fatalf("accounts = %+v, want acme and globex", d.Accounts)
		}
		f := d.Feedback
		if f == nil {
			t.Fatal("no feedback section")
		}
		if got := len(f.Detractors) + len(f.Passives) + len(f.Promoters); got != 3 {
			t.Errorf("%d answers in the period, want 3 (the other owner's and the previous period's left out)", got)
		}
		if len(f.Detractors) != 1 || f.Detractors[0].Email != "jane@acme.example" || f.Detractors[0].Comment != "Too slow since the update" {
			t.Errorf("detractors = %+v, want Jane with her comment", f.Detractors)
		}
		if f.Overall.Current.Score() != 0 || f.Overall.Previous.Score() != 100 {
			t.Errorf("overall NPS = %d (previous %d), want 0 (previous +100)", f.Overall.Current.Score(), f.Overall.Previous.Score())
		}
		if c, ok := f.Overall.Change(); !ok || c != -100 {
			t.Errorf("overall change = %d, %v; want -100", c, ok)
		}
		if len(f.Accounts) != 2 || f.Accounts[0].Account.ExternalID != "acme" || f.Accounts[0].Current.Score() != 0 ||
			f.Accounts[1].Account.ExternalID != "globex" || f.Accounts[1].Current.Score() != 0 {
			t.Errorf("per-account NPS = %+v", f.Accounts)
		}
		if c, ok := f.Accounts[0].Change(); !ok || c != -100 {
			t.Errorf("acme change = %d, %v; want -100", c, ok)
		}
		if _, ok := f.Accounts[1].Change(); ok {
			t.Error("globex had no answers in the previous period, yet has a change")
		}
		if len(d.Renewals) != 1 || d.Renewals[0].Account.ExternalID != "globex" || d.Renewals[0].DaysLeft != 20 ||
			d.Renewals[0].Within != 30 || d.Renewals[0].Latest.Responses() != 1 || d.Renewals[0].Latest.Passives != 1 {
			t.Errorf("renewals = %+v, want globex in 20 days with its latest NPS (one passive)", d.Renewals)
		}
		if len(d.Quiet) != 1 || d.Quiet[0].Email != "bob@acme.example" || !d.Quiet[0].LastSeen.Equal(periodStart.Add(-40*24*time.Hour)) {
			t.Errorf("quiet = %+v, want Bob", d.Quiet)
		}
		if len(d.Milestones) != 1 || d.Milestones[0].Name != "1000 users" || d.Milestones[0].Account.ExternalID != "acme" {
			t.Errorf("milestones = %+v, want acme's 1000 users", d.Milestones)
		}
		a := d.Activity
		if a == nil {
			t.Fatal("no automation section")
		}
		want := map[string][]string{
			"sent":     {"qbr-followup"},
			"failed":   {"milestone"},
			"deferred": {"csat-support"},
			"dropped":  {"nps-qbr", "too-late"}, // too-late was suppressed by Jane's unsubscribe
			"planned":  {"renewal-reminder"},
		}
		for name, items := range map[string][]digest.Item{"sent": a.Sent, "failed": a.Failed, "deferred": a.Deferred, "dropped": a.Dropped, "planned": a.Planned} {
			var got []string
			for _, it := range items {
				got = append(got, it.Campaign)
			}
			if strings.Join(got, ",") != strings.Join(want[name], ",") {
				t.Errorf("%s = %v, want %v", name, got, want[name])
			}
		}
		if a.Deferred[0].Reason != "max 1 per day reached" || a.Deferred[0].Until == nil {
			t.Errorf("deferred = %+v, want its reason and until", a.Deferred[0])
		}
		if a.Failed[0].Error == "" {
			t.Error("failed delivery without its error")
		}
		kinds := map[string]string{}
		for _, m := range d.MailIssues {
			kinds[m.Email] = m.Kind
		}
		if len(kinds) != 2 || kinds["carol@globex.example"] != "bounce" || kinds["jane@acme.example"] != "unsubscribe" {
			t.Errorf("mail issues = %v, want Carol's bounce and Jane's unsubscribe", kinds)
		}
	})
}

func TestRenderOrderAndPauseLinks(t *testing.T) {
	eachDialect(t, func(t *testing.T, db *store.DB) {
		seedFull(t, db)
		d, err := digest.Build(context.Background(), db, casey, periodStart, periodEnd, pack)
		if err != nil {
			t.Fatal(err)
		}
		s := signer(t)
		subject, text, html, err := digest.Render(d, s, "https://outreach.example/")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(subject, "NPS 0 (-100)") || !strings.Contains(subject, "1 detractor") {
			t.Errorf("subject %q lacks the NPS and its change, or the detractor count", subject)
		}
		order := []string{"FEEDBACK", "Overall: NPS 0 (3 answers), -100 vs previous period (+100)",
			"Acme Corp (acme): NPS 0 (2 answers), -100 vs previous period", "Detractors (0-6):",
			"[3] Jane Doe <jane@acme.example>", "    > Too slow since the update", "Passives (7-8):", "Promoters (9-10):",
			"RENEWALS IN THE NEXT 90 DAYS", "within 30 days: Globex (globex) renews", "PEOPLE", "Went quiet", "Milestones reached",
			"1000 users", "AUTOMATION", "Sent (1):", "Failed (1):", "Deferred (1):", "max 1 per day reached",
			"Dropped or suppressed (2):", "Planned for the next 7 days (1):", "BOUNCES, SPAM REPORTS AND UNSUBSCRIBES",
			"PAUSE OUTREACH"}
		at := 0
		for _, w := range order {
			i := strings.Index(text[at:], w)
			if i < 0 {
				t.Fatalf("text lacks %q after offset %d:\n%s", w, at, text)
			}
			at += i + len(w)
		}
		for _, leak := range []string{"Initech", "dave@", "secret", "Not mine"} {
			if strings.Contains(text, leak) || strings.Contains(html, leak) {
				t.Errorf("the digest shows %q of another owner's account", leak)
			}
		}
		if !strings.Contains(html, "Too slow since the update") || !strings.Contains(html, "<h2") {
			t.Error("html lacks the comment or headings")
		}
		if strings.Contains(text+html, "Support satisfaction") {
			t.Error("the digest shows an empty CSAT list")
		}
		// Every pause link verifies as a pause token for an owned account,
		// valid for 30 days after the period end.
		re := regexp.MustCompile(`https://outreach\.example/p/([A-Za-z0-9_\-.]+)`)
		found := map[string]bool{}
		for _, m := range re.FindAllStringSubmatch(text+html, -1) {
			tok, err := s.Verify(m[1], links.KindPause, periodEnd)
			if err != nil {
				t.Fatalf("pause link %s: %v", m[0], err)
			}
			found[tok.Subject] = true
			if !tok.Expires.Equal(periodEnd.Add(outreach.PauseLinkValidity)) {
				t.Errorf("pause link expires %v, want 30 days after the period end", tok.Expires)
			}
		}
		if len(found) != 2 || !found["acme"] || !found["globex"] {
			t.Errorf("pause links for %v, want acme and globex", found)
		}
		if strings.Contains(html, "<script") || !strings.Contains(html, `href="https://outreach.example/p/`) {
			t.Error("html pause links missing or unsafe")
		}
		if _, err := url.Parse(re.FindString(html)); err != nil {
			t.Error(err)
		}
		// Each account links to its console page (sign-in brings a signed-out
		// reader back to it).
		for _, id := range []string{"acme", "globex"} {
			link := "https://outreach.example/console/accounts/" + id
			if !strings.Contains(html, `href="`+link+`"`) || !strings.Contains(text, "in the console: "+link+"\n") {
				t.Errorf("the digest lacks the console link %s", link)
			}
		}
	})
}

func TestEmptySectionsAreLeftOut(t *testing.T) {
	eachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedAccounts(t, db)
		d, err := digest.Build(ctx, db, casey, periodStart, periodEnd, pack)
		if err != nil {
			t.Fatal(err)
		}
		// Only Globex's renewal is there.
		if d.Empty() || d.Feedback != nil || d.Activity != nil || len(d.Quiet)+len(d.Milestones)+len(d.MailIssues) != 0 {
			t.Fatalf("digest = %+v, want only renewals", d)
		}
		_, text, html, err := digest.Render(d, signer(t), "http://127.0.0.1:8080")
		if err != nil {
			t.Fatal(err)
		}
		for _, absent := range []string{"FEEDBACK", "PEOPLE", "AUTOMATION", "BOUNCES"} {
			if strings.Contains(text, absent) {
				t.Errorf("text has the empty section %s", absent)
			}
		}
		for _, absent := range []string{"Feedback", "People", "Automation", "Bounces"} {
			if strings.Contains(html, ">"+absent) {
				t.Errorf("html has the empty section %s", absent)
			}
		}
		if !strings.Contains(text, "RENEWALS") || !strings.Contains(text, "no NPS answers in the last year") {
			t.Errorf("text lacks the renewal with its unknown NPS:\n%s", text)
		}
		// Without the renewal nothing is left.
		if _, err := db.UpsertAccounts(ctx, []outreach.Account{{ExternalID: "globex", RenewalDate: "2030-01-01"}}); err != nil {
			t.Fatal(err)
		}
		d, err = digest.Build(ctx, db, casey, periodStart, periodEnd, pack)
		if err != nil {
			t.Fatal(err)
		}
		if !d.Empty() {
			t.Errorf("digest = %+v, want empty", d)
		}
	})
}

func TestBuildRejectsEmptyPeriod(t *testing.T) {
	_, err := digest.Build(context.Background(), nil, casey, periodEnd, periodEnd, nil)
	if outreach.ErrorCode(err) != outreach.EINVALID {
		t.Errorf("err = %v, want EINVALID", err)
	}
}

// sectionOf returns the part of s from the heading start to the next
// heading end (or to the end of s).
func sectionOf(t *testing.T, s, start, end string) string {
	t.Helper()
	i := strings.Index(s, start)
	if i < 0 {
		t.Fatalf("no %q in:\n%s", start, s)
	}
	s = s[i:]
	if j := strings.Index(s, end); j >= 0 {
		s = s[:j]
	}
	return s
}

// CSAT answers (by key, csat-support, or by template, ticket-feedback)
// count in no NPS figure and no NPS class: they have their own list.
func TestCSATAnswersStayOutOfNPS(t *testing.T) {
	eachDialect(t, func(t *testing.T, db *store.DB) {
		f := seedFull(t, db)
		day := 24 * time.Hour
		f.answer(t, "bob@acme.example", "csat-support", 3, "Waited two days for a reply", periodEnd.Add(-2*day))
		// Carol's CSAT answer is newer than her NPS 8: Globex's latest NPS
		// before its renewal is still her 8.
		f.answer(t, "carol@globex.example", "ticket-feedback", 2, "", periodEnd.Add(-time.Hour))
		f.answer(t, "jane@acme.example", "ticket-feedback", 0, "", periodStart.Add(-day)) // previous period
		d, err := digest.Build(context.Background(), db, casey, periodStart, periodEnd, pack)
		if err != nil {
			t.Fatal(err)
		}
		fb := d.Feedback
		if fb.Overall.Current.Responses() != 3 || fb.Overall.Current.Score() != 0 ||
			fb.Overall.Previous.Responses() != 1 || fb.Overall.Previous.Score() != 100 {
			t.Errorf("overall = %+v, want NPS 0 over the 3 NPS answers (previous +100 over 1)", fb.Overall)
		}
		if len(fb.Detractors) != 1 || fb.Detractors[0].Email != "jane@acme.example" {
			t.Errorf("detractors = %+v, want Jane alone (CSAT answers are no detractors)", fb.Detractors)
		}
		if len(fb.Accounts) != 2 || fb.Accounts[0].Current.Responses() != 2 || fb.Accounts[1].Current.Responses() != 1 ||
			fb.Accounts[1].Current.Score() != 0 {
			t.Errorf("per-account NPS = %+v, want Acme over 2 answers and Globex 0 over 1", fb.Accounts)
		}
		if len(d.Renewals) != 1 || d.Renewals[0].Latest.Responses() != 1 || d.Renewals[0].Latest.Passives != 1 {
			t.Errorf("renewals = %+v, want Globex's latest NPS to be Carol's 8 (one passive)", d.Renewals)
		}
		if len(fb.CSAT) != 2 || fb.CSAT[0].Email != "carol@globex.example" || fb.CSAT[0].Score != 2 ||
			fb.CSAT[1].Email != "bob@acme.example" || fb.CSAT[1].Campaign != "csat-support" {
			t.Errorf("CSAT = %+v, want Carol's 2 then Bob's 3 (the period's only)", fb.CSAT)
		}

		subject, text, html, err := digest.Render(d, signer(t), "https://outreach.example")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(subject, "NPS 0 (-100)") || !strings.Contains(subject, "1 detractor") {
			t.Errorf("subject %q, want NPS 0 (-100) and 1 detractor", subject)
		}
		if !strings.Contains(text, "Overall: NPS 0 (3 answers), -100 vs previous period (+100)") {
			t.Errorf("text lacks the overall NPS of the NPS answers alone:\n%s", text)
		}
		if det := sectionOf(t, text, "Detractors (0-6):", "Passives"); strings.Contains(det, "Bob") || strings.Contains(det, "Carol") {
			t.Errorf("text lists a CSAT answer among detractors:\n%s", det)
		}
		csat := sectionOf(t, text, "Support satisfaction (CSAT", "RENEWALS")
		for _, w := range []string{"[2/10] Carol <carol@globex.example>, Globex (globex), ticket-feedback",
			"[3/10] Bob <bob@acme.example>, Acme Corp (acme), csat-support", "    > Waited two days for a reply"} {
			if !strings.Contains(csat, w) {
				t.Errorf("text CSAT list lacks %q:\n%s", w, csat)
			}
		}
		if det := sectionOf(t, html, "Detractors (0–6)", "Passives"); strings.Contains(det, "Bob") || strings.Contains(det, "Carol") {
			t.Errorf("html lists a CSAT answer among detractors:\n%s", det)
		}
		csat = sectionOf(t, html, "Support satisfaction (CSAT", "</ul>")
		for _, w := range []string{"<strong>2/10</strong> · Carol &lt;carol@globex.example&gt;", "ticket-feedback",
			"<strong>3/10</strong> · Bob &lt;bob@acme.example&gt; · Acme Corp (acme) · csat-support", "Waited two days for a reply"} {
			if !strings.Contains(csat, w) {
				t.Errorf("html CSAT list lacks %q:\n%s", w, csat)
			}
		}
	})
}

// A period with CSAT answers only has a feedback section with the CSAT
// list and no NPS.
func TestCSATOnlyFeedback(t *testing.T) {
	eachDialect(t, func(t *testing.T, db *store.DB) {
		f := seedAccounts(t, db)
		f.answer(t, "bob@acme.example", "csat-support", 3, "", periodEnd.Add(-24*time.Hour))
		d, err := digest.Build(context.Background(), db, casey, periodStart, periodEnd, pack)
		if err != nil {
			t.Fatal(err)
		}
		if d.Feedback == nil || len(d.Feedback.CSAT) != 1 || d.Feedback.Overall.Current.Responses() != 0 || len(d.Feedback.Accounts) != 0 {
			t.Fatalf("feedback = %+v, want Bob's CSAT answer and no NPS", d.Feedback)
		}
		subject, text, html, err := digest.Render(d, signer(t), "https://outreach.example")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(subject, "NPS") || strings.Contains(text, "Overall:") || strings.Contains(html, "Overall:") {
			t.Errorf("an NPS is shown without NPS answers:\n%s\n%s", subject, text)
		}
		if !strings.Contains(text, "FEEDBACK") || !strings.Contains(text, "[3/10] Bob <bob@acme.example>, Acme Corp (acme), csat-support") ||
			!strings.Contains(html, "<strong>3/10</strong> · Bob") {
			t.Errorf("the CSAT answer is missing:\n%s", text)
		}
		if !strings.Contains(sectionOf(t, text, "PAUSE OUTREACH", "\x00"), "Acme Corp (acme): https://outreach.example/p/") {
			t.Errorf("text lacks the pause link of Bob's account:\n%s", text)
		}
	})
}

// The automation section lists as planned only deliveries due in the 7
// days from the period end. Those due before it and still planned are
// overdue, listed apart unless their ttl ran out (they will be dropped,
// not sent); those further ahead wait for a later digest.
func TestPlannedWeekAheadAndOverdue(t *testing.T) {
	eachDialect(t, func(t *testing.T, db *store.DB) {
		f := seedAccounts(t, db)
		day := 24 * time.Hour
		// The fixture's deliveries expire 7 days after their not_before.
		f.delivery(t, "jane@acme.example", "stale", outreach.CategorySurvey, outreach.DeliveryPlanned, "s", "e1", periodEnd.Add(-30*day), periodStart)
		f.delivery(t, "bob@acme.example", "overdue", outreach.CategoryLifecycle, outreach.DeliveryPlanned, "o", "e2", periodEnd.Add(-2*day), periodStart)
		f.delivery(t, "carol@globex.example", "next-week", outreach.CategorySurvey, outreach.DeliveryPlanned, "n", "e3", periodEnd.Add(2*day), periodStart)
		f.delivery(t, "carol@globex.example", "in-two-weeks", outreach.CategorySurvey, outreach.DeliveryPlanned, "w", "e4", periodEnd.Add(14*day), periodStart)
		f.delivery(t, "jane@acme.example", "already-sent", outreach.CategorySurvey, outreach.DeliverySent, "a", "e5", periodEnd.Add(day), periodStart)

		campaigns := func(items []digest.Item) string {
			var out []string
			for _, it := range items {
				out = append(out, it.Campaign+"@"+it.At.UTC().Format(time.RFC3339))
			}
			return strings.Join(out, ",")
		}
		d, err := digest.Build(context.Background(), db, casey, periodStart, periodEnd, pack)
		if err != nil {
			t.Fatal(err)
		}
		if d.Activity == nil {
			t.Fatal("no automation section")
		}
		if got, want := campaigns(d.Activity.Planned), "next-week@"+periodEnd.Add(2*day).Format(time.RFC3339); got != want {
			t.Errorf("planned = %s, want %s (due in the week from the period end)", got, want)
		}
		if got, want := campaigns(d.Activity.Overdue), "overdue@"+periodEnd.Add(-2*day).Format(time.RFC3339); got != want {
			t.Errorf("overdue = %s, want %s (due before the period end, not expired)", got, want)
		}
		_, text, html, err := digest.Render(d, signer(t), "https://outreach.example")
		if err != nil {
			t.Fatal(err)
		}
		overdue := sectionOf(t, text, "Overdue: due before the period end, not sent yet (1):", "Planned")
		if !strings.Contains(overdue, "  - due Sat 7 Mar 08:00 overdue to Bob <bob@acme.example>, Acme Corp (acme)") {
			t.Errorf("text overdue list:\n%s", overdue)
		}
		planned := sectionOf(t, text, "Planned for the next 7 days (1):", "\n\n")
		if !strings.Contains(planned, "  - from Wed 11 Mar 08:00 next-week to Carol <carol@globex.example>, Globex (globex)") {
			t.Errorf("text planned list:\n%s", planned)
		}
		for _, leak := range []string{"stale", "in-two-weeks", "already-sent"} {
			if strings.Contains(text, leak) || strings.Contains(html, leak) {
				t.Errorf("the digest lists %s", leak)
			}
		}
		if !strings.Contains(sectionOf(t, html, "Overdue: due before the period end, not sent yet (1)", "</ul>"), "due Sat 7 Mar 08:00 · overdue → Bob") ||
			!strings.Contains(sectionOf(t, html, "Planned for the next 7 days (1)", "</ul>"), "from Wed 11 Mar 08:00 · next-week → Carol") {
			t.Errorf("html lacks the overdue or planned delivery:\n%s", html)
		}

		// A period ending months after these deliveries (`outreach digest
		// --at` ahead of the data): none is due in its next 7 days and all
		// have expired by its end, so the digest lists none of them.
		later := periodEnd.Add(120 * day)
		d, err = digest.Build(context.Background(), db, casey, later.Add(-7*day), later, pack)
		if err != nil {
			t.Fatal(err)
		}
		if d.Activity != nil {
			t.Errorf("planned = %s, overdue = %s; want none", campaigns(d.Activity.Planned), campaigns(d.Activity.Overdue))
		}
	})
}

// A renewal line says when in words ("today", "in 1 day") and, without
// answers, that there are none: not "latest no answers".
func TestRenewalLines(t *testing.T) {
	eachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := seedAccounts(t, db)
		tokyo := periodEnd.In(mustLoc("Asia/Tokyo"))
		today, tomorrow := tokyo.Format(time.DateOnly), tokyo.AddDate(0, 0, 1).Format(time.DateOnly)
		if _, err := db.UpsertAccounts(ctx, []outreach.Account{{ExternalID: "acme", RenewalDate: today}, {ExternalID: "globex", RenewalDate: tomorrow}}); err != nil {
			t.Fatal(err)
		}
		f.response(t, "carol@globex.example", 8, "", periodEnd.Add(-24*time.Hour))
		d, err := digest.Build(ctx, db, casey, periodStart, periodEnd, pack)
		if err != nil {
			t.Fatal(err)
		}
		_, text, html, err := digest.Render(d, signer(t), "https://outreach.example")
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{
			"  - within 30 days: Acme Corp (acme) renews " + today + " (today), no NPS answers in the last year\n",
			"  - within 30 days: Globex (globex) renews " + tomorrow + " (in 1 day), latest NPS 0 (1 answer)\n",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("text lacks %q:\n%s", want, text)
			}
		}
		for _, want := range []string{
			"<strong>Acme Corp (acme)</strong> renews " + today + " (today, within 30 days) · no NPS answers in the last year",
			"<strong>Globex (globex)</strong> renews " + tomorrow + " (in 1 day, within 30 days) · latest NPS 0 (1 answer)",
		} {
			if !strings.Contains(html, want) {
				t.Errorf("html lacks %q:\n%s", want, sectionOf(t, html, "Renewals", "</ul>"))
			}
		}
		for _, bad := range []string{"latest no answers", "in 0 days", "1 days", "1 answers"} {
			if strings.Contains(text, bad) || strings.Contains(html, bad) {
				t.Errorf("the digest says %q", bad)
			}
		}
	})
}
