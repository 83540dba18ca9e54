package console

import (
	"context"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
)

// PackStore is what the pack editor reads and writes; store.DB implements
// it.
type PackStore interface {
	outreach.PackDraftStore
	// ActivePack returns the active stored pack, or ENOTFOUND.
	ActivePack(ctx context.Context) (*outreach.StoredPack, error)
	// ActivePackVersion returns the active pack's version, 0 when none.
	ActivePackVersion(ctx context.Context) (int, error)
	// ActivatePackDraft stores files as the next pack version (as
	// ActivatePack does for SIGHUP), marks draft draftID at revision as
	// activated (none when 0) and writes audit, in one transaction.
	ActivatePackDraft(ctx context.Context, hash string, files map[string]string, draftID int64, revision int,
		audit outreach.AuditEntry) (version int, changed bool, err error)
	// SyncCampaigns records the campaigns of the active pack (see
	// scheduler.ApplyPack).
	SyncCampaigns(ctx context.Context, keys []string, now time.Time) (dropped int, err error)
	ContactSearch
}

// PackEdit configures the pack editor.
type PackEdit struct {
	// InGit is true when OUTREACH_CAMPAIGNS names the pack directory: the
	// pack lives in git, so the console never activates a pack (drafts can
	// still be edited, previewed, forecast and downloaded to commit).
	InGit bool
	// ApprovalRequired is OUTREACH_PACK_APPROVAL=required: a draft needs
	// the approval of an admin who wrote none of it (its author, anyone who
	// saved it) before activation.
	ApprovalRequired bool
	// Preview renders a campaign email for a real contact; nil hides the
	// rendering (the page still lists campaigns and contacts).
	Preview Previewer
	// Forecast runs packs over the stored customers; nil hides the
	// forecast.
	Forecast Forecaster
	// Activated is called after a pack version was stored, so this replica
	// follows at once (others follow the stored version by polling).
	Activated func(ctx context.Context) error
}

// packPages are the pack editor's routes. Marketing and admins edit
// drafts; only admins approve, activate and roll back.
func (s *Server) packPages() []Page {
	edit := []string{outreach.RoleMarketing}
	admin := []string{outreach.RoleAdmin}
	return []Page{
		{Method: "GET", Path: "/pack", Roles: edit, Handle: s.handlePack},
		{Method: "POST", Path: "/pack/drafts", Roles: edit, Handle: s.handleNewDraft},
		{Method: "GET", Path: "/pack/drafts/{id}", Roles: edit, Handle: s.handleDraft},
		{Method: "POST", Path: "/pack/drafts/{id}", Roles: edit, Heavy: true, Handle: s.handleSaveDraft},
		{Method: "GET", Path: "/pack/drafts/{id}/download", Roles: edit, Handle: s.handleDownloadDraft},
		{Method: "POST", Path: "/pack/drafts/{id}/approve", Roles: admin, Heavy: true, Handle: s.handleApproveDraft},
		{Method: "POST", Path: "/pack/drafts/{id}/activate", Roles: admin, Heavy: true, Handle: s.handleActivateDraft},
		{Method: "POST", Path: "/pack/validate", Roles: edit, Heavy: true, Handle: s.handleValidate},
		{Method: "GET", Path: "/pack/preview", Roles: edit, Heavy: true, Handle: s.handlePreview},
		{Method: "GET", Path: "/pack/forecast", Roles: edit, Heavy: true, Handle: s.handleForecast},
		{Method: "GET", Path: "/pack/preview/render", Roles: edit, Heavy: true, Handle: s.handlePreviewRender},
		{Method: "GET", Path: "/pack/versions/{version}", Roles: edit, Heavy: true, Handle: s.handleVersion},
		{Method: "POST", Path: "/pack/versions/{version}/rollback", Roles: admin, Heavy: true, Handle: s.handleRollback},
	}
}

// packListLimit bounds the drafts and versions the pack page lists.
const packListLimit = 50

type packView struct {
	Edit     PackEdit
	Active   *outreach.StoredPack
	Files    template.HTML // the active pack's file links (packfiles)
	Drafts   []outreach.PackDraft
	Versions []outreach.PackVersionInfo
}

// handlePack shows the active pack's files, the drafts and the versions.
func (s *Server) handlePack(w http.ResponseWriter, r *http.Request, c *Context) error {
	v := packView{Edit: s.PackEdit}
	active, _, _, err := s.activePack(r.Context())
	if err != nil && outreach.ErrorCode(err) != outreach.ENOTFOUND {
		return err
	}
	if active != nil {
		v.Active, v.Files = active, s.activeFileList(active)
	}
	if v.Drafts, err = s.Store.PackDrafts(r.Context(), packListLimit); err != nil {
		return err
	}
	if v.Versions, err = s.Store.PackVersions(r.Context(), packListLimit); err != nil {
		return err
	}
	s.render(w, r, c, http.StatusOK, "pack", "pack.title", v)
	return nil
}

// handleNewDraft starts a draft from the active pack (or the version in
// the form field "from").
func (s *Server) handleNewDraft(w http.ResponseWriter, r *http.Request, c *Context) error {
	var base *outreach.StoredPack
	var err error
	if from := r.PostFormValue("from"); from != "" {
		n, perr := strconv.Atoi(from)
		if perr != nil {
			return outreach.Errorf(outreach.EINVALID, "from=%q is not a pack version", from)
		}
		base, err = s.Store.StoredPackVersion(r.Context(), n)
	} else {
		base, err = s.Store.ActivePack(r.Context())
	}
	if err != nil {
		return err
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	if name == "" {
		name = "draft from version " + strconv.Itoa(base.Version)
	}
	if len(name) > 200 {
		return outreach.Errorf(outreach.EINVALID, "name: at most 200 characters")
	}
	d, err := s.Store.CreatePackDraft(r.Context(), outreach.PackDraft{Name: name, Files: base.Files,
		BaseVersion: base.Version, Author: c.Member.Email},
		c.Audit("pack.draft_create", "", "from version "+strconv.Itoa(base.Version)))
	if err != nil {
		return err
	}
	http.Redirect(w, r, draftURL(d.ID), http.StatusSeeOther)
	return nil
}

func draftURL(id int64) string { return Prefix + "/pack/drafts/" + strconv.FormatInt(id, 10) }

// draftView is the editor page of a draft.
type draftView struct {
	Edit     PackEdit
	Draft    *outreach.PackDraft
	Files    []editFile
	Problems []packProblem // validation errors, when validated
	Valid    bool          // validated without errors
	Checked  bool          // Problems/Valid are set
	Conflict string        // a refused save's message; the form keeps the text
	Saved    bool
	Member   string
	// CanApprove and CanActivate say which admin buttons apply.
	CanApprove, CanActivate bool
	NeedsApproval           bool
}

// editFile is one textarea of the editor, with its problems.
type editFile struct {
	Path     string
	Content  string
	Rows     int
	Problems []packProblem
}

// handleDraft shows a draft in the editor.
func (s *Server) handleDraft(w http.ResponseWriter, r *http.Request, c *Context) error {
	d, err := s.draftOf(r)
	if err != nil {
		return err
	}
	v := s.draftPage(c, d, d.Files)
	if r.URL.Query().Get("saved") == "1" {
		v.Saved = true
	}
	s.render(w, r, c, http.StatusOK, "packdraft", "pack.draft_title", v)
	return nil
}

func (s *Server) draftOf(r *http.Request) (*outreach.PackDraft, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, outreach.Errorf(outreach.ENOTFOUND, "no pack draft %q", r.PathValue("id"))
	}
	return s.Store.PackDraft(r.Context(), id)
}

// draftPage builds the editor of d showing files (the stored ones, or the
// text a refused save keeps).
func (s *Server) draftPage(c *Context, d *outreach.PackDraft, files map[string]string) *draftView {
	v := &draftView{Edit: s.PackEdit, Draft: d, Member: c.Member.Email}
	for _, p := range sortedPaths(files) {
		v.Files = append(v.Files, editFile{Path: p, Content: files[p], Rows: rowsFor(files[p])})
	}
	admin := c.Member.ConsoleRole == outreach.RoleAdmin
	live := d.ActivatedVersion == 0 && !s.PackEdit.InGit
	v.NeedsApproval = s.PackEdit.ApprovalRequired && !d.Approved()
	v.CanApprove = admin && live && s.PackEdit.ApprovalRequired && !d.Approved() && d.MayApprove(c.Member.Email) == nil
	v.CanActivate = admin && live && !v.NeedsApproval
	return v
}

// rowsFor sizes a textarea to its text, within bounds.
func rowsFor(s string) int {
	return min(max(strings.Count(s, "\n")+2, 4), 40)
}

// withProblems validates the files shown and attaches each problem to its
// file.
func (v *draftView) withProblems(files map[string]string) {
	_, v.Problems = validateFiles(files)
	v.Checked, v.Valid = true, len(v.Problems) == 0
	for i := range v.Files {
		for _, p := range v.Problems {
			if p.File == v.Files[i].Path {
				v.Files[i].Problems = append(v.Files[i].Problems, p)
			}
		}
	}
}

// handleSaveDraft saves (action=save) or only validates (action=validate)
// the text of the editor. A save naming an older revision is refused with
// 409 and the page keeps the text typed.
func (s *Server) handleSaveDraft(w http.ResponseWriter, r *http.Request, c *Context) error {
	d, err := s.draftOf(r)
	if err != nil {
		return err
	}
	files, err := formFiles(w, r)
	if err != nil {
		return err
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	if name == "" || len(name) > 200 {
		return outreach.Errorf(outreach.EINVALID, "name: give the draft a name of at most 200 characters")
	}
	if r.PostFormValue("action") == "validate" {
		d.Name = name
		v := s.draftPage(c, d, files)
		v.withProblems(files)
		s.render(w, r, c, http.StatusOK, "packdraft", "pack.draft_title", v)
		return nil
	}
	rev, err := strconv.Atoi(r.PostFormValue("revision"))
	if err != nil {
		return outreach.Errorf(outreach.EINVALID, "revision: missing; reload the draft")
	}
	saved, err := s.Store.SavePackDraft(r.Context(), d.ID, rev, name, files,
		c.Audit("pack.draft_save", "pack_draft:"+strconv.FormatInt(d.ID, 10), "revision "+strconv.Itoa(rev+1)))
	if outreach.ErrorCode(err) == outreach.ECONFLICT {
		// Keep the text typed: the form shows it with the newer revision
		// number, so saving again deliberately overwrites.
		v := s.draftPage(c, d, files)
		v.Draft.Name = name
		v.Conflict = err.Error()
		v.withProblems(files)
		s.render(w, r, c, http.StatusConflict, "packdraft", "pack.draft_title", v)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, draftURL(saved.ID)+"?saved=1", http.StatusSeeOther)
	return nil
}

// handleDownloadDraft sends the draft's files as a tar archive to commit.
func (s *Server) handleDownloadDraft(w http.ResponseWriter, r *http.Request, c *Context) error {
	d, err := s.draftOf(r)
	if err != nil {
		return err
	}
	return writeTar(w, "pack-draft-"+strconv.FormatInt(d.ID, 10), d.Files)
}

// packLoaded is validateFiles for the activation paths: problems become
// one EINVALID error listing each FILE:LINE:COL.
func packLoaded(files map[string]string, what string) (*campaigns.Loaded, error) {
	loaded, problems := validateFiles(files)
	if len(problems) == 0 {
		return loaded, nil
	}
	lines := make([]string, len(problems))
	for i, p := range problems {
		lines[i] = p.Formatted
	}
	return nil, outreach.Errorf(outreach.EINVALID, "%s does not validate, nothing activated:\n%s", what, strings.Join(lines, "\n"))
}
