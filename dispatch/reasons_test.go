package dispatch_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
)

// "Why didn't Jane get the NPS survey?": when the account survey cap holds
// a contact back, the recorded reason names who received each of the
// account's surveys, whether they were reserved by an earlier claim (read
// from the store) or earlier in the same claim; erasing one of those
// contacts takes its address out of its colleagues' reasons.
func TestAccountCapReasonNamesRecipients(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := openStore(t, dialect)
		cs := addPeople(t, db, 1, 4)
		policy := outreach.Policy{AccountMaxSurveysPerWeek: 2}
		survey := func(id string, c outreach.Contact, due time.Time) planned {
			return planned{ID: id, Campaign: "nps-onboarding", Category: outreach.CategorySurvey, Contact: c, Due: due}
		}
		// Three surveys compete in one claim for the account's two slots.
		plan(t, db, survey("s0", cs[0], t0), survey("s1", cs[1], t0), survey("s2", cs[2], t0))
		_, sender := newCountingSender()
		d := newDispatcher(t, db, sender, policy, "p1")
		if rep, err := d.Step(ctx, t0); err != nil || rep.Sent != 2 || rep.Deferred != 1 {
			t.Fatalf("step = %+v, %v; want 2 sent, 1 deferred", rep, err)
		}
		var got, held []string // recipients of the sent surveys; the held one's email
		var heldID string
		for i, id := range []string{"s0", "s1", "s2"} {
			if st, _, _ := state(t, db, id); st == outreach.DeliverySent {
				got = append(got, cs[i].Email)
			} else {
				held, heldID = append(held, cs[i].Email), id
			}
		}
		wantSlots := func(emails []string) string {
			var s []string
			for _, e := range emails {
				s = append(s, "2026-03-03 10:00 UTC (nps-onboarding to "+e+")")
			}
			return "account max_surveys_per_week 2 reached: surveys to the account's contacts " + strings.Join(s, ", ") +
				"; frees at 2026-03-10 10:00 UTC"
		}
		reasonOf := func(id string) string {
			t.Helper()
			ds := decisions(t, db, id)
			if len(ds) != 1 || ds[0].Decision != outreach.DecisionDeferred {
				t.Fatalf("%s decisions = %+v, want one deferral", id, ds)
			}
			return ds[0].Reason
		}
		// Slots of one instant are listed by delivery id: s0 before s1 before s2.
		if r := reasonOf(heldID); r != wantSlots(got) {
			t.Errorf("same claim: %s (held, %s) reason\n got: %s\nwant: %s", heldID, held[0], r, wantSlots(got))
		}

		// A fourth contact an hour later: the history comes from the store.
		plan(t, db, survey("s3", cs[3], t0.Add(time.Hour)))
		if rep, err := d.Step(ctx, t0.Add(time.Hour)); err != nil || rep.Deferred != 1 {
			t.Fatalf("second step = %+v, %v; want 1 deferred", rep, err)
		}
		if r := reasonOf("s3"); r != wantSlots(got) {
			t.Errorf("from the store: s3 reason\n got: %s\nwant: %s", r, wantSlots(got))
		}

		if err := db.EraseContact(ctx, got[0]); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{heldID, "s3"} {
			r := reasonOf(id)
			if strings.Contains(r, got[0]) || !strings.Contains(r, "(nps-onboarding to an erased contact)") || !strings.Contains(r, got[1]) {
				t.Errorf("after erasing %s, %s reason: %s", got[0], id, r)
			}
		}
	})
}
