package console

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/scheduler"
)

// handleApproveDraft records an admin's approval of the draft's current
// revision. Nobody who wrote any of it (its author, anyone who saved a
// revision) may approve it, and a draft that does not validate cannot be
// approved.
func (s *Server) handleApproveDraft(w http.ResponseWriter, r *http.Request, c *Context) error {
	d, err := s.draftOf(r)
	if err != nil {
		return err
	}
	if !s.PackEdit.ApprovalRequired {
		return outreach.Errorf(outreach.EINVALID, "approval is off (OUTREACH_PACK_APPROVAL is not \"required\"): an admin activates directly")
	}
	if err := d.MayApprove(c.Member.Email); err != nil {
		return err
	}
	rev, err := strconv.Atoi(r.PostFormValue("revision"))
	if err != nil {
		return outreach.Errorf(outreach.EINVALID, "revision: missing; reload the draft")
	}
	if _, err := packLoaded(d.Files, "draft "+strconv.FormatInt(d.ID, 10)); err != nil {
		return err
	}
	err = s.Store.ApprovePackDraft(r.Context(), d.ID, rev, c.Member.Email,
		c.Audit("pack.approve", "pack_draft:"+strconv.FormatInt(d.ID, 10), "revision "+strconv.Itoa(rev)))
	if err != nil {
		return err
	}
	http.Redirect(w, r, draftURL(d.ID), http.StatusSeeOther)
	return nil
}

// handleActivateDraft makes a valid (and, when required, approved) draft
// the next stored pack version, which every replica follows.
func (s *Server) handleActivateDraft(w http.ResponseWriter, r *http.Request, c *Context) error {
	d, err := s.draftOf(r)
	if err != nil {
		return err
	}
	if err := s.checkNotInGit(); err != nil {
		return err
	}
	rev, err := strconv.Atoi(r.PostFormValue("revision"))
	if err != nil || rev != d.Revision {
		return outreach.Errorf(outreach.ECONFLICT, "draft %d changed since you opened it (revision %d now): review it again", d.ID, d.Revision)
	}
	if s.PackEdit.ApprovalRequired && !d.Approved() {
		return outreach.Errorf(outreach.EFORBIDDEN, "draft %d needs the approval of an admin who wrote none of it (OUTREACH_PACK_APPROVAL=required)", d.ID)
	}
	loaded, err := packLoaded(d.Files, "draft "+strconv.FormatInt(d.ID, 10))
	if err != nil {
		return err
	}
	audit := c.Audit("pack.activate", "pack_draft:"+strconv.FormatInt(d.ID, 10), "revision "+strconv.Itoa(rev))
	if _, err := s.applyPack(r.Context(), loaded, d.ID, rev, audit, c.Now); err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"/pack", http.StatusSeeOther)
	return nil
}

// handleRollback activates an old version's files again as a new version,
// after checking they still validate and render with the current loader.
func (s *Server) handleRollback(w http.ResponseWriter, r *http.Request, c *Context) error {
	if err := s.checkNotInGit(); err != nil {
		return err
	}
	old, err := s.versionOf(r)
	if err != nil {
		return err
	}
	loaded, err := packLoaded(old.Files, "version "+strconv.Itoa(old.Version))
	if err != nil {
		return err
	}
	audit := c.Audit("pack.rollback", "pack_version:"+strconv.Itoa(old.Version), "files of version "+strconv.Itoa(old.Version))
	if _, err := s.applyPack(r.Context(), loaded, 0, 0, audit, c.Now); err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"/pack", http.StatusSeeOther)
	return nil
}

func (s *Server) checkNotInGit() error {
	if s.PackEdit.InGit {
		return outreach.Errorf(outreach.EFORBIDDEN, "the pack is kept in git (OUTREACH_CAMPAIGNS is set): download the draft, commit it and reload serve (SIGHUP)")
	}
	return nil
}

// draftApplier is the store as scheduler.ApplyPack sees it, storing the
// version with the draft mark and the audit line.
type draftApplier struct {
	st       PackStore
	draftID  int64
	revision int
	audit    outreach.AuditEntry
}

func (a draftApplier) ActivatePack(ctx context.Context, hash string, files map[string]string) (int, bool, error) {
	return a.st.ActivatePackDraft(ctx, hash, files, a.draftID, a.revision, a.audit)
}

func (a draftApplier) SyncCampaigns(ctx context.Context, keys []string, now time.Time) (int, error) {
	return a.st.SyncCampaigns(ctx, keys, now)
}

// applyPack stores loaded as the active pack by the path SIGHUP takes
// (scheduler.ApplyPack), then lets this replica follow at once.
func (s *Server) applyPack(ctx context.Context, loaded *campaigns.Loaded, draftID int64, rev int,
	audit outreach.AuditEntry, now time.Time) (int, error) {
	// ApplyPack sets the version on the pack it is given: give it a copy,
	// as loaded may be shared (loadedCache).
	cp, pk := *loaded, *loaded.Pack
	cp.Pack = &pk
	version, _, err := scheduler.ApplyPack(ctx, draftApplier{st: s.Store, draftID: draftID, revision: rev, audit: audit}, &cp, now)
	if err != nil {
		return 0, err
	}
	if s.PackEdit.Activated != nil {
		if err := s.PackEdit.Activated(ctx); err != nil {
			s.Logger.Error("console: follow the activated pack", "version", version, "error", err)
		}
	}
	return version, nil
}

// handleValidate validates the files posted (the editor's script sends
// its text as it is typed) and answers JSON: {"valid":…, "problems":[…]}.
func (s *Server) handleValidate(w http.ResponseWriter, r *http.Request, c *Context) error {
	files, err := formFiles(w, r)
	if err != nil {
		return err
	}
	_, problems := validateFiles(files)
	if problems == nil {
		problems = []packProblem{}
	}
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(map[string]any{"valid": len(problems) == 0, "problems": problems})
}

func (s *Server) versionOf(r *http.Request) (*outreach.StoredPack, error) {
	n, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || n <= 0 {
		return nil, outreach.Errorf(outreach.ENOTFOUND, "no pack version %q", r.PathValue("version"))
	}
	return s.Store.StoredPackVersion(r.Context(), n)
}

type versionView struct {
	Edit    PackEdit
	Version *outreach.StoredPack
	Prev    int // the version compared with, 0 for the first
	Diffs   []fileDiff
	Paths   []string
	Active  bool
	Files   []editFile // with ?file=PATH: that file's text
}

// handleVersion shows a stored version and its diff with the previous one.
func (s *Server) handleVersion(w http.ResponseWriter, r *http.Request, c *Context) error {
	v, err := s.versionOf(r)
	if err != nil {
		return err
	}
	var prevFiles map[string]string
	view := versionView{Edit: s.PackEdit, Version: v, Paths: sortedPaths(v.Files)}
	if v.Version > 1 {
		prev, err := s.Store.StoredPackVersion(r.Context(), v.Version-1)
		if err != nil && outreach.ErrorCode(err) != outreach.ENOTFOUND {
			return err
		}
		if prev != nil {
			prevFiles, view.Prev = prev.Files, prev.Version
		}
	}
	view.Diffs = diffPacks(prevFiles, v.Files)
	if cur, err := s.Store.ActivePack(r.Context()); err == nil {
		view.Active = cur.Version == v.Version
	}
	if p := r.URL.Query().Get("file"); p != "" {
		content, ok := v.Files[p]
		if !ok {
			return outreach.Errorf(outreach.ENOTFOUND, "version %d has no file %q", v.Version, p)
		}
		view.Files = []editFile{{Path: p, Content: content, Rows: rowsFor(content)}}
	}
	s.render(w, r, c, http.StatusOK, "packversion", "pack.version_title", view)
	return nil
}
