package outreach

import (
	"context"
	"strings"
	"time"
)

// PackDraft is a campaign pack being edited in the console: a full set of
// pack files (campaigns.yaml and templates/...) that becomes the next
// stored pack version when an admin activates it.
type PackDraft struct {
	ID          int64
	Name        string
	Files       map[string]string // path inside the pack -> content
	BaseVersion int               // the active version the draft started from
	Author      string            // who created it
	// Editors are everyone who created the draft or saved a revision of
	// it, the author first.
	Editors   []string
	UpdatedAt time.Time
	// Revision grows by one at each save. A save must name the revision it
	// edited; a save naming an older one is refused (someone else saved).
	Revision int
	// ApprovedBy is the admin who approved ApprovedRevision; an approval
	// holds only while the draft is unchanged.
	ApprovedBy       string
	ApprovedRevision int
	// ActivatedVersion is the pack version it became, 0 while a draft.
	ActivatedVersion int
}

// Approved reports whether the draft's current revision is approved.
func (d *PackDraft) Approved() bool {
	return d.ApprovedBy != "" && d.ApprovedRevision == d.Revision
}

// MayApprove returns an EFORBIDDEN error when email wrote any of the
// draft: its author or anyone who saved a revision of it. The approval
// (OUTREACH_PACK_APPROVAL=required) is a second person's review, so an
// admin who edits someone else's draft cannot approve it.
func (d *PackDraft) MayApprove(email string) error {
	for _, e := range append([]string{d.Author}, d.Editors...) {
		if strings.EqualFold(e, email) {
			return Errorf(EFORBIDDEN, "you edited draft %d: an admin who wrote none of it must approve it", d.ID)
		}
	}
	return nil
}

// PackVersionInfo is one stored pack version, for the version history.
type PackVersionInfo struct {
	Version     int
	Hash        string
	ActivatedAt time.Time
}

// PackDraftStore keeps pack drafts and reads the stored pack versions.
// Every change takes the audit entry it writes in its transaction.
type PackDraftStore interface {
	// CreatePackDraft stores a new draft at revision 1 and returns it.
	CreatePackDraft(ctx context.Context, d PackDraft, audit AuditEntry) (*PackDraft, error)
	// SavePackDraft replaces the draft's files when revision is its current
	// revision, and returns it at the next revision; otherwise ECONFLICT
	// naming who saved last and when. An activated draft is not changed.
	// The audit entry's Actor is who saved: it joins the draft's Editors.
	SavePackDraft(ctx context.Context, id int64, revision int, name string, files map[string]string, audit AuditEntry) (*PackDraft, error)
	// PackDraft returns a draft, or ENOTFOUND.
	PackDraft(ctx context.Context, id int64) (*PackDraft, error)
	// PackDrafts lists the latest drafts, newest first, without files.
	PackDrafts(ctx context.Context, limit int) ([]PackDraft, error)
	// ApprovePackDraft records approver's approval of revision, which must
	// be the draft's current one (ECONFLICT otherwise), in the transaction
	// that checks MayApprove against that revision's editors (EFORBIDDEN).
	ApprovePackDraft(ctx context.Context, id int64, revision int, approver string, audit AuditEntry) error
	// PackVersions lists stored pack versions, newest first.
	PackVersions(ctx context.Context, limit int) ([]PackVersionInfo, error)
	// StoredPackVersion returns one stored version with its files, or
	// ENOTFOUND.
	StoredPackVersion(ctx context.Context, version int) (*StoredPack, error)
}
