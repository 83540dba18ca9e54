package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/scheduler"
)

// TestPackExport: `pack export DIR` writes the stored active pack's files,
// which load back to the same content hash; a non-empty DIR is refused
// (and left as it was) unless --force.
func TestPackExport(t *testing.T) {
	env := sqliteEnv(t)
	if r := run(t, env, "migrate"); r.err != nil {
		t.Fatal(r.err)
	}
	db := openDB(t, env)
	if _, _, err := scheduler.ApplyPack(context.Background(), db, campaigns.Default(), testNow); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "pack")
	r := run(t, env, "pack", "export", dir)
	if r.err != nil || !strings.Contains(r.stdout, "wrote version 1") {
		t.Fatalf("export: %v %q", r.err, r.stdout)
	}
	l, err := campaigns.LoadDir(dir)
	if err != nil || l.Pack.Hash != campaigns.Default().Pack.Hash {
		t.Fatalf("exported pack loads as %v, %v", l, err)
	}
	mine := filepath.Join(dir, campaigns.PackFile)
	if err := os.WriteFile(mine, []byte("# mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := run(t, env, "pack", "export", dir); r.err == nil || !strings.Contains(r.err.Error(), "--force") {
		t.Fatalf("export into a non-empty dir: %v, want a refusal naming --force", r.err)
	}
	if b, _ := os.ReadFile(mine); string(b) != "# mine\n" {
		t.Fatalf("a refused export changed %s", mine)
	}
	if r := run(t, env, "pack", "export", dir, "--force"); r.err != nil {
		t.Fatalf("export --force: %v", r.err)
	}
	if l, err := campaigns.LoadDir(dir); err != nil || l.Pack.Hash != campaigns.Default().Pack.Hash {
		t.Fatalf("after --force: %v", err)
	}
}
