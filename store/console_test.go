package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
)

// TestConsoleRoleUpsert: a role is stored, an empty role keeps it (like
// every other field), and "none" removes it.
func TestConsoleRoleUpsert(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := storetest.Open(t, dialect, func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) })
		role := func() string {
			m, err := db.ConsoleMember(ctx, "Ada@Vendor.example")
			if err != nil {
				t.Fatal(err)
			}
			return m.ConsoleRole
		}
		steps := []struct{ give, want string }{
			{outreach.RoleNone, ""},
			{outreach.RoleMarketing, outreach.RoleMarketing},
			{"", outreach.RoleMarketing},
			{outreach.RoleAdmin, outreach.RoleAdmin},
			{outreach.RoleNone, ""},
		}
		for i, s := range steps {
			if _, err := db.UpsertTeam(ctx, []outreach.TeamMember{{Email: "ada@vendor.example", ConsoleRole: s.give}}); err != nil {
				t.Fatal(err)
			}
			if got := role(); got != s.want {
				t.Fatalf("step %d: gave %q, role %q, want %q", i, s.give, got, s.want)
			}
		}
	})
}
