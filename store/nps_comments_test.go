package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

// seedComments stores two accounts (a1 owned by maria, a2 by joe) and the
// answers given, one per delivery id, at base minus i minutes for the i-th.
func seedComments(t *testing.T, db *store.DB, base time.Time, answers []commentSeed) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.UpsertAccounts(ctx, []outreach.Account{{ExternalID: "a1", Name: "One", OwnerEmail: "maria@vendor.example", Plan: "pro"},
		{ExternalID: "a2", Name: "Two", OwnerEmail: "joe@vendor.example", Plan: "basic"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpsertContacts(ctx, []outreach.Contact{{ExternalID: "c1", AccountExternalID: "a1", Email: "ann@a1.example", Role: "admin", Locale: "fr"},
		{ExternalID: "c2", AccountExternalID: "a2", Email: "bob@a2.example", Role: "user"}}); err != nil {
		t.Fatal(err)
	}
	x := db.SQLXForTest()
	for i, a := range answers {
		at := base.Add(-time.Duration(i) * time.Minute)
		if a.sameTime {
			at = base
		}
		if _, err := x.Exec(x.Rebind(`INSERT INTO deliveries (id, campaign, category, contact_id, account_id,
			occurrence, state, due_at, not_before, expires_at, sent_at, message_id, created_at, updated_at)
			SELECT ?, ?, 'survey', id, account_id, ?, 'sent', 0, 0, 0, ?, '', 0, 0 FROM contacts WHERE external_id = ?`),
			a.id, a.campaign, a.id, at.UnixMilli(), a.contact); err != nil {
			t.Fatal(err)
		}
		if _, err := x.Exec(x.Rebind(`INSERT INTO survey_responses (delivery_id, contact_id, campaign, score, comment, at, updated_at)
			SELECT ?, id, ?, ?, ?, ?, 0 FROM contacts WHERE external_id = ?`), a.id, a.campaign, a.score, a.comment, at.UnixMilli(), a.contact); err != nil {
			t.Fatal(err)
		}
	}
}

type commentSeed struct {
	id, campaign, contact string
	score                 int
	comment               string
	sameTime              bool // at base, not base minus i minutes
}

func ids(p *outreach.CommentPage) []string {
	var out []string
	for _, c := range p.Comments {
		out = append(out, c.DeliveryID)
	}
	return out
}

// TestComments: the comment feed is newest first, leaves out answers
// without a comment, and narrows by owner (any case), class, campaign
// lists, period and a search that is text: % _ \ ' and markup match
// themselves, case is ignored.
func TestComments(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		base := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
		seedComments(t, db, base, []commentSeed{
			{id: "r0", campaign: "nps", contact: "c1", score: 2, comment: "Export is 50% slower"},
			{id: "r1", campaign: "nps", contact: "c2", score: 10, comment: "great_team 50_50"},
			{id: "r2", campaign: "nps", contact: "c1", score: 8, comment: ""},
			{id: "r3", campaign: "csat-support", contact: "c1", score: 9, comment: "quick HELP"},
			{id: "r4", campaign: "nps", contact: "c2", score: 5, comment: `it's <b>bad</b>' OR 1=1 -- \ back`},
			{id: "r5", campaign: "nps", contact: "c1", score: 7, comment: "fine, 50 percent"},
		})
		get := func(q outreach.CommentQuery) *outreach.CommentPage {
			t.Helper()
			if q.Limit == 0 {
				q.Limit = 10
			}
			if q.ScanLimit == 0 {
				q.ScanLimit = 100
			}
			p, err := db.Comments(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		for _, tc := range []struct {
			name string
			q    outreach.CommentQuery
			want string
		}{
			{"all", outreach.CommentQuery{}, "[r0 r1 r3 r4 r5]"},
			{"owner any case", outreach.CommentQuery{NPSFilter: outreach.NPSFilter{Owner: "Maria@Vendor.example"}}, "[r0 r3 r5]"},
			{"detractors", outreach.CommentQuery{Class: outreach.ClassDetractor}, "[r0 r4]"},
			{"passives", outreach.CommentQuery{Class: outreach.ClassPassive}, "[r5]"},
			{"no csat", outreach.CommentQuery{NPSFilter: outreach.NPSFilter{ExcludeCampaigns: []string{"csat-support"}}}, "[r0 r1 r4 r5]"},
			{"csat only", outreach.CommentQuery{Campaigns: []string{"csat-support"}}, "[r3]"},
			{"campaign", outreach.CommentQuery{NPSFilter: outreach.NPSFilter{Campaign: "csat-support"}}, "[r3]"},
			{"plan role locale", outreach.CommentQuery{NPSFilter: outreach.NPSFilter{Plan: "pro", Role: "admin", Locale: "fr"}}, "[r0 r3 r5]"},
			{"period", outreach.CommentQuery{NPSFilter: outreach.NPSFilter{From: ptr(base.Add(-4 * time.Minute)), To: ptr(base.Add(-time.Minute))}}, "[r3 r4]"},
			{"percent is text", outreach.CommentQuery{Search: "50%"}, "[r0]"},
			{"underscore is text", outreach.CommentQuery{Search: "50_"}, "[r1]"},
			{"quote and SQL", outreach.CommentQuery{Search: "' OR 1=1 --"}, "[r4]"},
			{"backslash", outreach.CommentQuery{Search: `\ back`}, "[r4]"},
			{"markup", outreach.CommentQuery{Search: "<b>bad</b>"}, "[r4]"},
			{"case", outreach.CommentQuery{Search: "help"}, "[r3]"},
			{"search and owner", outreach.CommentQuery{Search: "50", NPSFilter: outreach.NPSFilter{Owner: "maria@vendor.example"}}, "[r0 r5]"},
			{"nothing", outreach.CommentQuery{Search: "%%"}, "[]"},
		} {
			if got := fmt.Sprint(ids(get(tc.q))); got != tc.want {
				t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
			}
		}
		c := get(outreach.CommentQuery{Search: "50%"}).Comments[0]
		if c.Email != "ann@a1.example" || c.Account != "a1" || c.AccountName != "One" || c.Owner != "maria@vendor.example" ||
			c.Plan != "pro" || c.Role != "admin" || c.Locale != "fr" || c.Class != outreach.ClassDetractor || !c.At.Equal(base) ||
			c.Comment != "Export is 50% slower" {
			t.Errorf("comment row: %+v", c)
		}
		if _, err := db.Comments(ctx, outreach.CommentQuery{NPSFilter: outreach.NPSFilter{Account: "nope"}, Limit: 1}); outreach.ErrorCode(err) != outreach.ENOTFOUND {
			t.Errorf("unknown account: %v", err)
		}
		if _, err := db.Comments(ctx, outreach.CommentQuery{Class: "angry", Limit: 1}); outreach.ErrorCode(err) != outreach.EINVALID {
			t.Errorf("bad class: %v", err)
		}
	})
}

// TestCommentsCursor: pages after a cursor neither repeat nor skip an
// answer, also when many answers share one instant (the delivery id breaks
// the tie); a search reads at most ScanLimit comments per page and says so,
// and the next page goes on from the last one it read.
func TestCommentsCursor(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		base := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
		var seeds []commentSeed
		for i := range 57 {
			comment := fmt.Sprintf("comment %02d", i)
			if i%10 == 3 {
				comment += " needle"
			}
			seeds = append(seeds, commentSeed{id: fmt.Sprintf("r%02d", i), campaign: "nps", contact: "c1", score: i % 11,
				comment: comment, sameTime: i < 20})
		}
		seedComments(t, db, base, seeds)
		var all []string
		var before *outreach.CommentCursor
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("the cursor does not advance")
			}
			p, err := db.Comments(ctx, outreach.CommentQuery{Limit: 8, Before: before})
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, ids(p)...)
			if p.Scanned != 0 || p.ScanEnded { // a search's counts only
				t.Fatalf("page without a search: scanned %d ended %v", p.Scanned, p.ScanEnded)
			}
			if p.Next == nil {
				break
			}
			// The cursor goes through its text form, as in a link.
			if before, err = outreach.ParseCommentCursor(p.Next.String()); err != nil {
				t.Fatal(err)
			}
		}
		want := make([]string, 0, 57)
		for i := 19; i >= 0; i-- { // one instant: delivery id descending
			want = append(want, fmt.Sprintf("r%02d", i))
		}
		for i := 20; i < 57; i++ {
			want = append(want, fmt.Sprintf("r%02d", i))
		}
		if !slices.Equal(all, want) {
			t.Errorf("paged feed:\n%v\nwant\n%v", all, want)
		}

		// Six needles (r03 r13 r23 r33 r43 r53); a scan of 20 comments
		// finds the two among r19..r00, then goes on from r00.
		p, err := db.Comments(ctx, outreach.CommentQuery{Search: "NEEDLE", Limit: 5, ScanLimit: 20})
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(ids(p)); got != "[r13 r03]" || !p.ScanEnded || p.Scanned != 20 || p.Next == nil || p.Next.DeliveryID != "r00" {
			t.Fatalf("first search page: %s scanned %d ended %v next %+v", got, p.Scanned, p.ScanEnded, p.Next)
		}
		// Then a page of two with a scan of 30 (r20..r49) stops at its
		// third match (r43, the 24th read: 23 counted), and the last one
		// reads what is left (r34..r56, 23 answers).
		p, err = db.Comments(ctx, outreach.CommentQuery{Search: "needle", Limit: 2, ScanLimit: 30, Before: p.Next})
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(ids(p)); got != "[r23 r33]" || p.ScanEnded || p.Scanned != 23 || p.Next == nil || p.Next.DeliveryID != "r33" {
			t.Fatalf("second search page: %s scanned %d ended %v next %+v", got, p.Scanned, p.ScanEnded, p.Next)
		}
		p, err = db.Comments(ctx, outreach.CommentQuery{Search: "needle", Limit: 2, ScanLimit: 30, Before: p.Next})
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(ids(p)); got != "[r43 r53]" || p.ScanEnded || p.Scanned != 23 || p.Next != nil {
			t.Fatalf("last search page: %s scanned %d ended %v next %+v", got, p.Scanned, p.ScanEnded, p.Next)
		}
		for _, bad := range []string{"", "x", "12", "-1.r", "12."} {
			if _, err := outreach.ParseCommentCursor(bad); outreach.ErrorCode(err) != outreach.EINVALID {
				t.Errorf("cursor %q: %v", bad, err)
			}
		}
	})
}
