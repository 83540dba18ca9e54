package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

// seedCases stores accounts a1 (owner ann@vendor.example) and a2 (owner
// bob@vendor.example) and cases: on a1 five open ones due 1..5 hours
// before t0 plus hours (k-3) — so two overdue —, one in progress, two
// closed; on a2 one open overdue case. Case 1 has two answers.
func seedCases(t *testing.T, db *store.DB) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	if _, err := db.UpsertAccounts(ctx, []outreach.Account{
		{ExternalID: "a1", Name: "Acme", OwnerEmail: "ann@vendor.example"},
		{ExternalID: "a2", Name: "Beta", OwnerEmail: "bob@vendor.example"},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpsertContacts(ctx, []outreach.Contact{{ExternalID: "c1", AccountExternalID: "a1", Email: "jane@example.com"}}); err != nil {
		t.Fatal(err)
	}
	x := db.SQLXForTest()
	run := func(q string, args ...any) {
		t.Helper()
		if _, err := x.ExecContext(ctx, x.Rebind(q), args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var a1, a2, c1 int64
	for _, r := range []struct {
		q  string
		to *int64
	}{{`SELECT id FROM accounts WHERE external_id = 'a1'`, &a1}, {`SELECT id FROM accounts WHERE external_id = 'a2'`, &a2},
		{`SELECT id FROM contacts WHERE external_id = 'c1'`, &c1}} {
		if err := x.Get(r.to, r.q); err != nil {
			t.Fatal(err)
		}
	}
	ids := map[string]int64{}
	add := func(name string, account int64, alert, state string, due time.Duration, closed *time.Time) {
		var closedAt any
		if closed != nil {
			closedAt = closed.UnixMilli()
		}
		var id int64
		if err := x.Get(&id, x.Rebind(`INSERT INTO cases (account_id, alert, state, due_at, outcome, created_at, updated_at, closed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`), account, alert, state, t0.Add(due).UnixMilli(), "",
			t0.Add(-48*time.Hour).UnixMilli(), t0.UnixMilli(), closedAt); err != nil {
			t.Fatal(err)
		}
		ids[name] = id
	}
	for k := 1; k <= 5; k++ {
		add(fmt.Sprintf("open%d", k), a1, fmt.Sprintf("rule%d", k), outreach.CaseOpen, time.Duration(k-3)*time.Hour, nil)
	}
	add("busy", a1, "busy", outreach.CaseInProgress, 10*time.Hour, nil)
	c1At, c2At := t0.Add(-3*time.Hour), t0.Add(-1*time.Hour)
	add("closed-old", a1, "old", outreach.CaseClosed, -50*time.Hour, &c1At)
	add("closed-new", a1, "old", outreach.CaseClosed, -40*time.Hour, &c2At)
	add("beta", a2, "detractor", outreach.CaseOpen, -time.Hour, nil)
	for i, score := range []int{3, 5} {
		d := fmt.Sprintf("d%d", i)
		at := t0.Add(time.Duration(i-5) * time.Hour).UnixMilli()
		run(`INSERT INTO deliveries (id, campaign, category, contact_id, account_id, occurrence, state, due_at, not_before, expires_at, created_at, updated_at)
			VALUES (?, 'nps', 'survey', ?, ?, ?, 'sent', ?, ?, ?, ?, ?)`, d, c1, a1, d, at, at, at, at, at)
		run(`INSERT INTO survey_responses (delivery_id, contact_id, campaign, score, comment, at, updated_at) VALUES (?, ?, 'nps', ?, ?, ?, ?)`,
			d, c1, score, fmt.Sprintf("comment %d <script>", i), at, at)
		run(`INSERT INTO case_answers (case_id, delivery_id, contact_id) VALUES (?, ?, ?)`, ids["open1"], d, c1)
	}
	return ids
}

// TestCaseList: each view holds its cases in its order, pages follow the
// cursor without a gap or a repeat, the owner filter keeps to one owner's
// accounts, answers come with their case, and the counts agree.
func TestCaseList(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		ids := seedCases(t, db)
		name := map[int64]string{}
		for k, v := range ids {
			name[v] = k
		}
		list := func(view, owner string, limit int) string {
			t.Helper()
			var got []string
			after := ""
			for pages := 0; ; pages++ {
				p, err := db.CaseList(ctx, outreach.CaseQuery{View: view, Owner: owner, After: after, Limit: limit, Now: t0})
				if err != nil {
					t.Fatalf("%s: %v", view, err)
				}
				if len(p.Cases) > limit || pages > 20 {
					t.Fatalf("%s: page of %d, want at most %d", view, len(p.Cases), limit)
				}
				for _, c := range p.Cases {
					got = append(got, name[c.ID])
				}
				if p.Next == "" {
					return strings.Join(got, " ")
				}
				after = p.Next
			}
		}
		for _, c := range []struct{ view, owner, want string }{
			{outreach.CaseViewOpen, "", "open1 open2 beta open3 open4 open5"},
			{outreach.CaseViewOpen, "Ann@Vendor.example", "open1 open2 open3 open4 open5"},
			{outreach.CaseViewOpen, "bob@vendor.example", "beta"},
			{outreach.CaseViewInProgress, "", "busy"},
			{outreach.CaseViewOverdue, "", "open1 open2 beta"},
			{outreach.CaseViewOverdue, "ann@vendor.example", "open1 open2"},
			{outreach.CaseViewClosed, "", "closed-new closed-old"},
			{outreach.CaseViewClosed, "bob@vendor.example", ""},
		} {
			for _, limit := range []int{1, 2, 50} {
				if got := list(c.view, c.owner, limit); got != c.want {
					t.Errorf("%s owner %q limit %d: %s, want %s", c.view, c.owner, limit, got, c.want)
				}
			}
		}
		p, err := db.CaseList(ctx, outreach.CaseQuery{View: outreach.CaseViewOverdue, Now: t0})
		if err != nil {
			t.Fatal(err)
		}
		first := p.Cases[0]
		if first.AccountName != "Acme" || first.Account != "a1" || first.Owner != "ann@vendor.example" || !first.Overdue ||
			len(first.Answers) != 2 || first.Answers[0].Score != 3 || first.Answers[1].Comment != "comment 1 <script>" ||
			first.Answers[0].Contact != "jane@example.com" {
			t.Errorf("first overdue case = %+v", first)
		}
		if len(p.Cases[1].Answers) != 0 {
			t.Errorf("a case without answers lists %+v", p.Cases[1].Answers)
		}
		if _, err := db.CaseList(ctx, outreach.CaseQuery{View: "later", Now: t0}); outreach.ErrorCode(err) != outreach.EINVALID {
			t.Errorf("unknown view: %v, want EINVALID", err)
		}
		if _, err := db.CaseList(ctx, outreach.CaseQuery{View: outreach.CaseViewOpen, After: "x'; DROP TABLE cases", Now: t0}); outreach.ErrorCode(err) != outreach.EINVALID {
			t.Errorf("bad cursor: %v, want EINVALID", err)
		}
		for owner, want := range map[string]string{"": "open 6, in_progress 1, overdue 3, closed 2", "ann@vendor.example": "open 5, in_progress 1, overdue 2, closed 2",
			"nobody@vendor.example": "open 0, in_progress 0, overdue 0, closed 0"} {
			n, err := db.CaseCounts(ctx, owner, t0)
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprintf("open %d, in_progress %d, overdue %d, closed %d", n["open"], n["in_progress"], n["overdue"], n["closed"])
			if got != want {
				t.Errorf("counts of %q: %s, want %s", owner, got, want)
			}
		}
	})
}

// TestUpdateCaseIsAudited: every change of a case, by any path, writes
// one audit entry naming the move; a refused transition writes nothing.
func TestUpdateCaseIsAudited(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		ids := seedCases(t, db)
		id := ids["open3"]
		steps := []outreach.CaseUpdate{
			{ID: id, State: outreach.CaseInProgress, Assignee: "ann@vendor.example", Author: "ann@vendor.example"},
			{ID: id, Note: "called them", Author: "ann@vendor.example"},
			{ID: id, State: outreach.CaseClosed, Note: "fixed", Author: "api-token"},
			{ID: id, State: outreach.CaseOpen, Note: "came back", Author: "ann@vendor.example"},
		}
		for _, u := range steps {
			if _, err := db.UpdateCase(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.UpdateCase(ctx, outreach.CaseUpdate{ID: id, State: outreach.CaseClosed, Author: "ann@vendor.example"}); err == nil {
			t.Fatal("closing without a note went through")
		}
		log, err := db.AuditEntries(ctx, outreach.AuditFilter{Target: fmt.Sprintf("case %d", id)})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for i := len(log) - 1; i >= 0; i-- {
			got = append(got, log[i].Actor+" "+log[i].Action+" "+log[i].Detail)
		}
		want := []string{
			"ann@vendor.example case.taken a1 (rule3): open -> in_progress; assigned to ann@vendor.example",
			"ann@vendor.example case.noted a1 (rule3): in_progress -> in_progress; note of 11 characters",
			"api-token case.closed a1 (rule3): in_progress -> closed; note of 5 characters",
			"ann@vendor.example case.reopened a1 (rule3): closed -> open; note of 9 characters",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}
