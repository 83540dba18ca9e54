package console_test

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/console"
	"github.com/outreach-dev/outreach/scheduler"
	"github.com/outreach-dev/outreach/store"
)

// withPack stores the built-in pack as version 1, as serve does at start.
func withPack(t *testing.T, e *env) *campaigns.Loaded {
	t.Helper()
	l := campaigns.Default()
	if _, _, err := scheduler.ApplyPack(context.Background(), e.db, l, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	return l
}

// csrfOf returns the CSRF token of a signed-in client.
func csrfOf(t *testing.T, e *env, c *http.Client) string {
	t.Helper()
	_, home := get(t, c, e.srv.URL+"/console/")
	m := csrfField.FindStringSubmatch(home)
	if m == nil {
		t.Fatal("no CSRF field on the home page")
	}
	return m[1]
}

// editForm is the editor form of files at revision.
func editForm(tok string, rev int, action string, files map[string]string) url.Values {
	f := url.Values{"csrf": {tok}, "revision": {fmt.Sprint(rev)}, "name": {"spring"}, "action": {action}}
	for p, c := range files {
		f.Set("file:"+p, c)
	}
	return f
}

// lineOf is the 1-based line of the first line of s holding sub.
func lineOf(s, sub string) int {
	for i, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return i + 1
		}
	}
	return 0
}

var draftPath = regexp.MustCompile(`/console/pack/drafts/(\d+)$`)

// TestPackEditActivateRollback: marketing starts a draft and sees an error
// of the real loader at its FILE:LINE:COL; two saves of one revision: the
// second is refused (409) with its text kept; marketing cannot activate;
// an admin cannot activate an invalid draft; the fixed draft becomes
// version 2 (audited, every step CSRF-checked); version 2's page shows the
// diff; rollback to version 1 stores version 3 with version 1's content.
func TestPackEditActivateRollback(t *testing.T) {
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		t.Run(dialect, func(t *testing.T) { testPackEdit(t, dialect) })
	}
}

func testPackEdit(t *testing.T, dialect string) {
	e := newEnv(t, dialect)
	ctx := context.Background()
	orig := withPack(t, e)
	mo, ada := e.signIn(t, "mo@vendor.example"), e.signIn(t, "ada@vendor.example")
	moTok, adaTok := csrfOf(t, e, mo), csrfOf(t, e, ada)
	if code, body := get(t, mo, e.srv.URL+"/console/pack"); code != 200 || !strings.Contains(body, `id="active-version">1<`) {
		t.Fatalf("pack page: %d", code)
	}
	if code, _ := post(t, mo, e.srv.URL+"/console/pack/drafts", url.Values{"name": {"x"}}); code != http.StatusForbidden {
		t.Fatalf("new draft without CSRF: %d, want 403", code)
	}
	res, err := mo.PostForm(e.srv.URL+"/console/pack/drafts", url.Values{"csrf": {moTok}, "name": {"spring"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	m := draftPath.FindStringSubmatch(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("new draft: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	draft := e.srv.URL + "/console/pack/drafts/" + m[1]

	files := map[string]string{}
	for p, c := range orig.Files {
		files[p] = c
	}
	yaml := files[campaigns.PackFile]
	bad := strings.Replace(yaml, "max_per_day: 1 ", "max_per_day: lots ", 1)
	line := lineOf(bad, "max_per_day: lots")
	files[campaigns.PackFile] = bad
	code, body := post(t, mo, draft, editForm(moTok, 1, "validate", files))
	if want := fmt.Sprintf("campaigns.yaml:%d:", line); code != 200 || !strings.Contains(body, want) {
		t.Fatalf("validate: %d, want %q in the page", code, want)
	}
	// The script's endpoint answers the same problem as JSON.
	req, _ := http.NewRequest("POST", e.srv.URL+"/console/pack/validate", strings.NewReader(editForm("", 1, "", files).Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", moTok)
	jr, err := mo.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	jb, _ := io.ReadAll(jr.Body)
	jr.Body.Close()
	if jr.StatusCode != 200 || !strings.Contains(string(jb), fmt.Sprintf(`"line":%d`, line)) {
		t.Fatalf("validate JSON: %d %s", jr.StatusCode, jb)
	}

	// Marketing saves the invalid draft (drafts may be invalid); an admin
	// who opened revision 1 too is refused and keeps her text.
	if code, _ := post(t, mo, draft, editForm(moTok, 1, "save", files)); code != http.StatusSeeOther {
		t.Fatalf("save: %d", code)
	}
	mine := map[string]string{campaigns.PackFile: yaml + "\n# ada was here\n"}
	code, body = post(t, ada, draft, editForm(adaTok, 1, "save", mine))
	if code != http.StatusConflict || !strings.Contains(body, "someone else saved") || !strings.Contains(body, "# ada was here") {
		t.Fatalf("stale save: %d, want 409 with the text kept", code)
	}
	if code, _ := post(t, mo, draft+"/activate", url.Values{"csrf": {moTok}, "revision": {"2"}}); code != http.StatusForbidden {
		t.Fatalf("marketing activates: %d, want 403", code)
	}
	code, body = post(t, ada, draft+"/activate", url.Values{"csrf": {adaTok}, "revision": {"2"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, fmt.Sprintf("campaigns.yaml:%d:", line)) {
		t.Fatalf("activate an invalid draft: %d, want 422 naming the line", code)
	}
	if v, _ := e.db.ActivePackVersion(ctx); v != 1 {
		t.Fatalf("an invalid draft became version %d", v)
	}
	files[campaigns.PackFile] = strings.Replace(yaml, "max_per_day: 1 ", "max_per_day: 2 ", 1)
	if code, _ := post(t, mo, draft, editForm(moTok, 2, "save", files)); code != http.StatusSeeOther {
		t.Fatalf("save the fix: %d", code)
	}
	if code, _ := post(t, ada, draft+"/activate", url.Values{"revision": {"3"}}); code != http.StatusForbidden {
		t.Fatalf("activate without CSRF: %d", code)
	}
	if code, _ := post(t, ada, draft+"/activate", url.Values{"csrf": {adaTok}, "revision": {"3"}}); code != http.StatusSeeOther {
		t.Fatalf("activate: %d", code)
	}
	active, err := e.db.ActivePack(ctx)
	if err != nil || active.Version != 2 || !strings.Contains(active.Files[campaigns.PackFile], "max_per_day: 2 ") {
		t.Fatalf("active after activation: %+v %v", active, err)
	}
	code, body = get(t, mo, e.srv.URL+"/console/pack/versions/2")
	if code != 200 || !strings.Contains(body, "-    max_per_day: 1 ") || !strings.Contains(body, "+    max_per_day: 2 ") {
		t.Fatalf("version 2 diff: %d", code)
	}
	if code, _ := post(t, mo, e.srv.URL+"/console/pack/versions/1/rollback", url.Values{"csrf": {moTok}}); code != http.StatusForbidden {
		t.Fatalf("marketing rolls back: %d", code)
	}
	if code, _ := post(t, ada, e.srv.URL+"/console/pack/versions/1/rollback", url.Values{"csrf": {adaTok}}); code != http.StatusSeeOther {
		t.Fatalf("rollback: %d", code)
	}
	active, _ = e.db.ActivePack(ctx)
	if active.Version != 3 || active.Hash != orig.Pack.Hash {
		t.Fatalf("after rollback: version %d hash %s, want 3 with version 1's content", active.Version, active.Hash)
	}
	for _, action := range []string{"pack.draft_create", "pack.draft_save", "pack.activate", "pack.rollback"} {
		if got, err := e.db.AuditEntries(ctx, outreach.AuditFilter{Action: action, Limit: 5}); err != nil || len(got) == 0 {
			t.Errorf("no audit entry %s: %v", action, err)
		}
	}
}

// TestPackRollbackRefusedWhenInvalid: a stored version whose files no
// longer load is refused with its errors, and nothing is activated.
func TestPackRollbackRefusedWhenInvalid(t *testing.T) {
	e := newEnv(t, store.SQLite)
	ctx := context.Background()
	withPack(t, e)
	broken := map[string]string{campaigns.PackFile: "policy:\n  timezone: Mars/Olympus\n"}
	if _, _, err := e.db.ActivatePack(ctx, campaigns.Hash(broken), broken); err != nil {
		t.Fatal(err)
	}
	withPack(t, e) // version 3: the built-in pack again
	ada := e.signIn(t, "ada@vendor.example")
	code, body := post(t, ada, e.srv.URL+"/console/pack/versions/2/rollback", url.Values{"csrf": {csrfOf(t, e, ada)}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "campaigns.yaml:2:") {
		t.Fatalf("rollback to an invalid version: %d, want 422 naming campaigns.yaml:2", code)
	}
	if v, _ := e.db.ActivePackVersion(ctx); v != 3 {
		t.Fatalf("version %d after a refused rollback", v)
	}
}

// TestPackApprovalAndGit: with approval required, the author cannot
// approve their own draft and activation waits for a second admin; with
// the pack in git, activation is refused and the draft downloads as a tar.
func TestPackApprovalAndGit(t *testing.T) {
	e := newEnv(t, store.SQLite)
	ctx := context.Background()
	withPack(t, e)
	if _, err := e.db.UpsertTeam(ctx, []outreach.TeamMember{{Email: "bo@vendor.example", Name: "Bo", ConsoleRole: outreach.RoleAdmin}}); err != nil {
		t.Fatal(err)
	}
	e.cons.PackEdit.ApprovalRequired = true
	ada, bo := e.signIn(t, "ada@vendor.example"), e.signIn(t, "bo@vendor.example")
	adaTok, boTok := csrfOf(t, e, ada), csrfOf(t, e, bo)
	res, err := ada.PostForm(e.srv.URL+"/console/pack/drafts", url.Values{"csrf": {adaTok}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	draft := e.srv.URL + res.Header.Get("Location")
	d, _ := e.db.PackDraft(ctx, 1)
	d.Files[campaigns.PackFile] += "\n# approved change\n"
	if code, _ := post(t, ada, draft, editForm(adaTok, 1, "save", d.Files)); code != http.StatusSeeOther {
		t.Fatalf("save: %d", code)
	}
	if code, body := post(t, ada, draft+"/activate", url.Values{"csrf": {adaTok}, "revision": {"2"}}); code != http.StatusForbidden || !strings.Contains(body, "approval") {
		t.Fatalf("activate unapproved: %d", code)
	}
	if code, _ := post(t, ada, draft+"/approve", url.Values{"csrf": {adaTok}, "revision": {"2"}}); code != http.StatusForbidden {
		t.Fatalf("author approves: %d, want 403", code)
	}
	if code, _ := post(t, bo, draft+"/approve", url.Values{"csrf": {boTok}, "revision": {"2"}}); code != http.StatusSeeOther {
		t.Fatalf("second admin approves: %d", code)
	}
	if code, _ := post(t, ada, draft+"/activate", url.Values{"csrf": {adaTok}, "revision": {"2"}}); code != http.StatusSeeOther {
		t.Fatalf("activate approved: %d", code)
	}
	if v, _ := e.db.ActivePackVersion(ctx); v != 2 {
		t.Fatalf("version %d after approved activation", v)
	}

	e.cons.PackEdit = console.PackEdit{InGit: true}
	res, _ = ada.PostForm(e.srv.URL+"/console/pack/drafts", url.Values{"csrf": {adaTok}})
	res.Body.Close()
	draft = e.srv.URL + res.Header.Get("Location")
	if code, body := get(t, ada, draft); code != 200 || !strings.Contains(body, `id="in-git"`) || strings.Contains(body, `id="activate"`) {
		t.Fatalf("draft page in git: %d", code)
	}
	if code, body := post(t, ada, draft+"/activate", url.Values{"csrf": {adaTok}, "revision": {"1"}}); code != http.StatusForbidden || !strings.Contains(body, "git") {
		t.Fatalf("activate with the pack in git: %d", code)
	}
	tr, err := ada.Get(draft + "/download")
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Body.Close()
	rd := tar.NewReader(tr.Body)
	names := map[string]bool{}
	for {
		h, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names[h.Name] = true
	}
	if !names["pack-draft-2/campaigns.yaml"] || !names["pack-draft-2/templates/nps/en.html"] {
		t.Fatalf("download holds %v", names)
	}
}

// TestPackApprovalOfAnEditedDraft: with approval required, an admin who
// saves their own change into someone else's draft (marketing's) is one
// of its authors: approving it is refused, so one admin alone cannot get
// their change activated; an admin who wrote none of it approves it.
// Both dialects (the editors are stored with the draft).
func TestPackApprovalOfAnEditedDraft(t *testing.T) {
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			ctx := context.Background()
			withPack(t, e)
			if _, err := e.db.UpsertTeam(ctx, []outreach.TeamMember{{Email: "bo@vendor.example", Name: "Bo", ConsoleRole: outreach.RoleAdmin}}); err != nil {
				t.Fatal(err)
			}
			e.cons.PackEdit.ApprovalRequired = true
			mo, ada, bo := e.signIn(t, "mo@vendor.example"), e.signIn(t, "ada@vendor.example"), e.signIn(t, "bo@vendor.example")
			moTok, adaTok, boTok := csrfOf(t, e, mo), csrfOf(t, e, ada), csrfOf(t, e, bo)
			id, d := createDraft(t, e, mo, moTok)
			draft := e.srv.URL + "/console/pack/drafts/" + id
			d.Files[campaigns.PackFile] += "\n# ada's change\n"
			if code, _ := post(t, ada, draft, editForm(adaTok, 1, "save", d.Files)); code != http.StatusSeeOther {
				t.Fatalf("ada saves marketing's draft: %d", code)
			}
			if _, body := get(t, ada, draft); strings.Contains(body, `id="approve"`) {
				t.Error("the draft page offers its editor the approve button")
			}
			if code, body := post(t, ada, draft+"/approve", url.Values{"csrf": {adaTok}, "revision": {"2"}}); code != http.StatusForbidden || !strings.Contains(body, "edited draft") {
				t.Fatalf("ada approves the draft she edited: %d, want 403", code)
			}
			if code, _ := post(t, ada, draft+"/activate", url.Values{"csrf": {adaTok}, "revision": {"2"}}); code != http.StatusForbidden {
				t.Fatalf("ada activates her unapproved change: %d, want 403", code)
			}
			if v, _ := e.db.ActivePackVersion(ctx); v != 1 {
				t.Fatalf("version %d: ada's change went live without a second admin", v)
			}
			if _, body := get(t, bo, draft); !strings.Contains(body, `id="approve"`) {
				t.Error("the draft page does not offer bo, who wrote none of it, the approve button")
			}
			if code, _ := post(t, bo, draft+"/approve", url.Values{"csrf": {boTok}, "revision": {"2"}}); code != http.StatusSeeOther {
				t.Fatalf("bo approves: %d", code)
			}
			if code, _ := post(t, ada, draft+"/activate", url.Values{"csrf": {adaTok}, "revision": {"2"}}); code != http.StatusSeeOther {
				t.Fatalf("activate approved: %d", code)
			}
			d, _ = e.db.PackDraft(ctx, 1)
			if strings.Join(d.Editors, ",") != "mo@vendor.example,ada@vendor.example" {
				t.Errorf("editors %q", d.Editors)
			}
		})
	}
}

// approveAfterSave is the store with a save of the draft by saver landing
// between the approve handler's read of the draft and its approval: the
// interleaving of two requests of one admin, sent together.
type approveAfterSave struct {
	*store.DB
	save func()
}

func (s approveAfterSave) ApprovePackDraft(ctx context.Context, id int64, revision int, approver string, audit outreach.AuditEntry) error {
	s.save()
	return s.DB.ApprovePackDraft(ctx, id, revision, approver, audit)
}

// TestPackApprovalRacingOwnSave: with approval required, an admin who
// sends a save of marketing's draft and its approval at once (naming the
// revision the save makes) must not approve their own change: the
// approver is checked against the draft's editors in the transaction
// that approves, not only on the handler's earlier read.
func TestPackApprovalRacingOwnSave(t *testing.T) {
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			ctx := context.Background()
			withPack(t, e)
			e.cons.PackEdit.ApprovalRequired = true
			mo, ada := e.signIn(t, "mo@vendor.example"), e.signIn(t, "ada@vendor.example")
			moTok, adaTok := csrfOf(t, e, mo), csrfOf(t, e, ada)
			id, d := createDraft(t, e, mo, moTok)
			draft := e.srv.URL + "/console/pack/drafts/" + id
			d.Files[campaigns.PackFile] += "\n# ada's change\n"
			e.cons.Store = approveAfterSave{DB: e.db, save: func() {
				if _, err := e.db.SavePackDraft(ctx, 1, 1, d.Name, d.Files,
					outreach.AuditEntry{Actor: "ada@vendor.example", Action: "pack.draft_save"}); err != nil {
					t.Error(err)
				}
			}}
			code, _ := post(t, ada, draft+"/approve", url.Values{"csrf": {adaTok}, "revision": {"2"}})
			e.cons.Store = e.db
			if d, _ := e.db.PackDraft(ctx, 1); code == http.StatusSeeOther || d.Approved() {
				t.Fatalf("ada approved her own change (answer %d, approved by %q)", code, d.ApprovedBy)
			}
			if code, _ := post(t, ada, draft+"/activate", url.Values{"csrf": {adaTok}, "revision": {"2"}}); code != http.StatusForbidden {
				t.Errorf("ada activates her change: %d, want 403", code)
			}
		})
	}
}
