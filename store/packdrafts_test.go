package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
)

// TestPackDraftConflicts: two editors open revision 1; the first save wins,
// the second (naming revision 1) is refused with ECONFLICT saying someone
// else saved, and the stored text is the first editor's; an approval holds
// for the approved revision only; activation stores the next pack version,
// marks the draft and writes the audit line in one transaction, and an
// activated draft no longer changes.
func TestPackDraftConflicts(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := storetest.Open(t, dialect, func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) })
		audit := func(action string) outreach.AuditEntry {
			return outreach.AuditEntry{Actor: "ada@vendor.example", Action: action}
		}
		d, err := db.CreatePackDraft(ctx, outreach.PackDraft{Name: "spring", Author: "ada@vendor.example",
			Files: map[string]string{"campaigns.yaml": "v1"}}, audit("pack.draft_create"))
		if err != nil {
			t.Fatal(err)
		}
		if d.Revision != 1 || d.Files["campaigns.yaml"] != "v1" {
			t.Fatalf("created %+v", d)
		}
		first, err := db.SavePackDraft(ctx, d.ID, 1, "spring", map[string]string{"campaigns.yaml": "first"}, audit("pack.draft_save"))
		if err != nil || first.Revision != 2 {
			t.Fatalf("first save: %+v %v", first, err)
		}
		_, err = db.SavePackDraft(ctx, d.ID, 1, "spring", map[string]string{"campaigns.yaml": "second"}, audit("pack.draft_save"))
		if outreach.ErrorCode(err) != outreach.ECONFLICT || !strings.Contains(err.Error(), "someone else saved") {
			t.Fatalf("stale save: %v, want ECONFLICT naming someone else", err)
		}
		got, _ := db.PackDraft(ctx, d.ID)
		if got.Files["campaigns.yaml"] != "first" {
			t.Fatalf("stored %q after a refused save, want the first editor's", got.Files["campaigns.yaml"])
		}
		if err := db.ApprovePackDraft(ctx, d.ID, 1, "bo@vendor.example", audit("pack.approve")); outreach.ErrorCode(err) != outreach.ECONFLICT {
			t.Fatalf("approve a stale revision: %v, want ECONFLICT", err)
		}
		if err := db.ApprovePackDraft(ctx, d.ID, 2, "bo@vendor.example", audit("pack.approve")); err != nil {
			t.Fatal(err)
		}
		if got, _ = db.PackDraft(ctx, d.ID); !got.Approved() {
			t.Fatalf("approved revision 2: %+v", got)
		}
		if _, err := db.SavePackDraft(ctx, d.ID, 2, "spring", map[string]string{"campaigns.yaml": "edited"}, audit("pack.draft_save")); err != nil {
			t.Fatal(err)
		}
		if got, _ = db.PackDraft(ctx, d.ID); got.Approved() {
			t.Fatalf("an edit after approval keeps the approval: %+v", got)
		}
		if _, _, err := db.ActivatePackDraft(ctx, "h1", got.Files, d.ID, 2, audit("pack.activate")); outreach.ErrorCode(err) != outreach.ECONFLICT {
			t.Fatalf("activate a stale revision: %v", err)
		}
		if v, _ := db.ActivePackVersion(ctx); v != 0 {
			t.Fatalf("a refused activation stored version %d", v)
		}
		v, changed, err := db.ActivatePackDraft(ctx, "h1", got.Files, d.ID, 3, audit("pack.activate"))
		if err != nil || v != 1 || !changed {
			t.Fatalf("activate: %d %v %v", v, changed, err)
		}
		if _, err := db.SavePackDraft(ctx, d.ID, 3, "spring", map[string]string{"campaigns.yaml": "late"}, audit("pack.draft_save")); outreach.ErrorCode(err) != outreach.ECONFLICT {
			t.Fatalf("save an activated draft: %v", err)
		}
		sp, err := db.StoredPackVersion(ctx, 1)
		if err != nil || sp.Files["campaigns.yaml"] != "edited" {
			t.Fatalf("version 1: %+v %v", sp, err)
		}
		vs, err := db.PackVersions(ctx, 10)
		if err != nil || len(vs) != 1 || vs[0].Version != 1 {
			t.Fatalf("versions %+v %v", vs, err)
		}
		entries, err := db.AuditEntries(ctx, outreach.AuditFilter{Action: "pack.activate", Limit: 10})
		if err != nil || len(entries) != 1 || !strings.HasPrefix(entries[0].Detail, "version 1") {
			t.Fatalf("audit %+v %v", entries, err)
		}
	})
}
