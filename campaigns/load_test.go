package campaigns

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	outreach "github.com/outreach-dev/outreach"
)

func TestHash(t *testing.T) {
	files := map[string]string{"campaigns.yaml": "campaigns: []\n", "templates/nps/en.txt": "hi"}
	h := Hash(files)
	if len(h) != 64 {
		t.Fatalf("Hash = %q, want 64 hex digits", h)
	}
	for range 5 { // map order must not matter
		if got := Hash(maps.Clone(files)); got != h {
			t.Fatalf("Hash not stable: %q then %q", h, got)
		}
	}
	changed := maps.Clone(files)
	changed["templates/nps/en.txt"] = "hi!"
	renamed := map[string]string{"campaigns.yaml": "campaigns: []\n", "templates/nps/fr.txt": "hi"}
	moved := map[string]string{"campaigns.yaml": "campaigns: []\ntemplates/nps/en.txt", "": "hi"}
	for name, other := range map[string]map[string]string{"content": changed, "path": renamed, "boundary": moved} {
		if Hash(other) == h {
			t.Errorf("Hash did not change with the %s", name)
		}
	}
}

func TestDefaultPackLoads(t *testing.T) {
	l := Default() // panics when invalid
	keys := make([]string, len(l.Pack.Campaigns))
	for i, c := range l.Pack.Campaigns {
		keys[i] = c.Key
	}
	want := []string{"nps-onboarding", "nps-qbr", "csat-support", "nps-renewal", "renewal-reminder", "milestone-congrats", "anniversary", "reengagement", "nps-thanks-promoter", "nps-sorry-detractor"}
	if !slices.Equal(keys, want) {
		t.Errorf("default campaigns = %v, want %v", keys, want)
	}
	csat := l.Pack.Campaign("csat-support")
	if csat.Dedupe != "ticket_id" || csat.TTL != 3*Day || csat.Trigger.Delay != 2*time.Hour {
		t.Errorf("csat-support = %+v", csat)
	}
	p := l.Pack.Policy
	if p.MaxPerDay != 1 || p.MaxPerWeek != 3 || p.QuietHours == nil || len(p.BusinessDays) != 5 || !p.Exempt(outreach.CategoryTransactional) {
		t.Errorf("default policy = %+v", p)
	}
	for _, c := range l.Pack.Campaigns {
		if !l.Templates.Has(c.Template) {
			t.Errorf("%s: template %s missing", c.Key, c.Template)
		}
	}
	if l.Pack.Hash != Hash(l.Files) {
		t.Error("pack hash is not the hash of its files")
	}
}

func TestWriteDefaultRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if err := WriteDefault(dir); err != nil {
		t.Fatal(err)
	}
	l, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	def := Default()
	if l.Pack.Hash != def.Pack.Hash {
		t.Errorf("written pack hash %s differs from the embedded %s", l.Pack.Hash, def.Pack.Hash)
	}
	// Stored and re-loaded from the database: same pack.
	again, err := FromFiles(l.Files, "db")
	if err != nil {
		t.Fatal(err)
	}
	if again.Pack.Hash != l.Pack.Hash || len(again.Pack.Campaigns) != len(l.Pack.Campaigns) {
		t.Errorf("FromFiles: hash %s, %d campaigns", again.Pack.Hash, len(again.Pack.Campaigns))
	}

	// A second init refuses and leaves the edited file alone.
	yamlPath := filepath.Join(dir, PackFile)
	if err := os.WriteFile(yamlPath, []byte("edited"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = WriteDefault(dir)
	if outreach.ErrorCode(err) != outreach.ECONFLICT || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Fatalf("second WriteDefault: %v", err)
	}
	if b, _ := os.ReadFile(yamlPath); string(b) != "edited" {
		t.Errorf("WriteDefault overwrote campaigns.yaml: %q", b)
	}
}

func TestWriteDefaultRefusesBeforeWritingAnything(t *testing.T) {
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "templates", "nps")
	if err := os.MkdirAll(tmpl, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tmpl, "en.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteDefault(dir); err == nil {
		t.Fatal("WriteDefault overwrote an existing template")
	}
	if _, err := os.Stat(filepath.Join(dir, PackFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("campaigns.yaml was written although the init was refused: %v", err)
	}
}

func TestLoadDirErrorsNameTheDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := WriteDefault(dir); err != nil {
		t.Fatal(err)
	}
	yamlPath := filepath.Join(dir, PackFile)
	b, err := os.ReadFile(yamlPath)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(b), "delay: 14d}", "delay: 14days}", 1)
	if err := os.WriteFile(yamlPath, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = LoadDir(dir)
	var errs *Errors
	if !errors.As(err, &errs) || len(errs.List) != 1 {
		t.Fatalf("LoadDir: %v", err)
	}
	p := errs.List[0]
	lines := strings.Split(broken, "\n")
	if p.File != yamlPath || p.Line < 1 || !strings.Contains(lines[p.Line-1], "14days") ||
		!strings.HasPrefix(lines[p.Line-1][p.Col-1:], "14days") {
		t.Errorf("problem %+v does not point at 14days", p)
	}
	if _, err := LoadDir(filepath.Join(dir, "nope")); err == nil {
		t.Error("LoadDir of a missing directory succeeded")
	}
}

func TestHiddenFilesDoNotChangeTheHash(t *testing.T) {
	fsys := packFS("campaigns: []\n", nil)
	a, err := Load(fsys, "p")
	if err != nil {
		t.Fatal(err)
	}
	fsys["templates/nps/.en.txt.swp"] = fsys["templates/nps/en.txt"]
	b, err := Load(fsys, "p")
	if err != nil {
		t.Fatal(err)
	}
	if a.Pack.Hash != b.Pack.Hash {
		t.Error("an editor swap file changed the pack hash")
	}
}
