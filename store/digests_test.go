package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
)

func TestDigestsTableIsIdempotent(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		if _, err := db.UpsertTeam(ctx, []outreach.TeamMember{{Email: "CSM@v.example", DigestSchedule: "0 8 * * MON"}, {Email: "x@v.example"}}); err != nil {
			t.Fatal(err)
		}
		end := t0.Add(time.Hour)
		rec := outreach.DigestRecord{OwnerEmail: "csm@v.example", PeriodStart: t0.Add(-7 * 24 * time.Hour), PeriodEnd: end,
			State: outreach.DigestPending, Subject: "s", Text: "t", HTML: "h"}
		for i, want := range []bool{true, false} {
			got, err := db.InsertDigest(ctx, rec)
			if err != nil || got != want {
				t.Fatalf("insert %d = %v, %v; want %v", i+1, got, err, want)
			}
		}
		if last, err := db.LastDigestEnd(ctx, "CSM@v.example"); err != nil || last == nil || !last.Equal(end) {
			t.Errorf("LastDigestEnd = %v, %v; want %v", last, err, end)
		}
		if last, err := db.LastDigestEnd(ctx, "x@v.example"); err != nil || last != nil {
			t.Errorf("LastDigestEnd before any digest = %v, %v; want nil", last, err)
		}
		members, err := db.DigestMembers(ctx)
		if err != nil || len(members) != 1 || members[0].LastPeriodEnd == nil || !members[0].LastPeriodEnd.Equal(end) {
			t.Fatalf("DigestMembers = %+v, %v; want csm with its last period end", members, err)
		}
		if err := db.FinishDigest(ctx, "csm@v.example", end, outreach.DigestFailed, nil); err != nil {
			t.Fatal(err)
		}
		unsent, err := db.UnsentDigests(ctx, t0, t0)
		if err != nil || len(unsent) != 1 || unsent[0].Text != "t" {
			t.Fatalf("UnsentDigests = %+v, %v", unsent, err)
		}
		if err := db.FinishDigest(ctx, "csm@v.example", end, outreach.DigestSent, &end); err != nil {
			t.Fatal(err)
		}
		if unsent, _ := db.UnsentDigests(ctx, t0, t0); len(unsent) != 0 {
			t.Errorf("a sent digest is still unsent: %+v", unsent)
		}
		if err := db.FinishDigest(ctx, "csm@v.example", t0, outreach.DigestSent, nil); outreach.ErrorCode(err) != outreach.ENOTFOUND {
			t.Errorf("finishing a missing digest: %v", err)
		}
		if _, err := db.DigestMember(ctx, "nobody@v.example"); outreach.ErrorCode(err) != outreach.ENOTFOUND {
			t.Errorf("DigestMember of an unknown address: %v", err)
		}
	})
}

func TestPauseAccountKeepsLongerPause(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		seed(t, db)
		later := t0.Add(30 * 24 * time.Hour)
		if a, err := db.PauseAccount(ctx, "a1", later); err != nil || !a.PausedUntil.Equal(later) {
			t.Fatalf("PauseAccount = %+v, %v", a, err)
		}
		if a, err := db.PauseAccount(ctx, "a1", t0.Add(14*24*time.Hour)); err != nil || !a.PausedUntil.Equal(later) {
			t.Fatalf("a shorter pause replaced a longer one: %+v, %v", a, err)
		}
		if _, err := db.PauseAccount(ctx, "nope", later); outreach.ErrorCode(err) != outreach.ENOTFOUND {
			t.Errorf("pausing an unknown account: %v", err)
		}
	})
}
