package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach/campaigns"
)

func TestInitThenValidate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pack")
	r := run(t, sqliteEnv(t), "init", dir)
	if r.err != nil {
		t.Fatalf("init: %v\n%s", r.err, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, campaigns.PackFile)); err != nil {
		t.Fatalf("init wrote no %s: %v", campaigns.PackFile, err)
	}
	if r := run(t, sqliteEnv(t), "init", dir); r.err == nil || !strings.Contains(r.err.Error(), "refusing to overwrite") {
		t.Errorf("second init = %v, want a refusal to overwrite", r.err)
	}
	r = run(t, sqliteEnv(t), "validate", dir)
	if r.err != nil {
		t.Fatalf("validate: %v\n%s", r.err, r.stderr)
	}
	def := campaigns.Default().Pack.Campaigns
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != len(def) {
		t.Fatalf("validate printed %d lines, want one per campaign (%d):\n%s", len(lines), len(def), r.stdout)
	}
	for i, c := range def {
		if lines[i] != campaigns.Describe(c) {
			t.Errorf("line %d = %q, want %q", i, lines[i], campaigns.Describe(c))
		}
	}
	if !strings.Contains(r.stdout, "csat-support: on support.ticket_closed +2h where priority in [p1, p2, p3], one per ticket_id; survey, priority 70, ttl 3d") {
		t.Errorf("no trigger/filter/category/priority/ttl line for csat-support:\n%s", r.stdout)
	}
}

func TestValidateBuiltInAndConfigured(t *testing.T) {
	r := run(t, sqliteEnv(t), "validate")
	if r.err != nil || !strings.Contains(r.stderr, campaigns.DefaultName) {
		t.Errorf("validate without a pack = %v, stderr %q; want the built-in pack", r.err, r.stderr)
	}
	bad := invalidPack(t)
	env := sqliteEnv(t)
	env["OUTREACH_CAMPAIGNS"] = bad
	if r := run(t, env, "validate"); r.err == nil {
		t.Error("validate with an invalid OUTREACH_CAMPAIGNS succeeded")
	}
}

// invalidPack writes the default pack with two mistakes and returns its
// directory.
func invalidPack(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pack")
	if err := campaigns.WriteDefault(dir); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, campaigns.PackFile)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), "onboarding.completed, delay: 14d", "onboarding.completed, delay: 14 days", 1)
	s = strings.Replace(s, "    ttl: 10d", "    ttl: 10d\n    colour: blue", 1)
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestValidateReportsEveryError(t *testing.T) {
	dir := invalidPack(t)
	r := run(t, sqliteEnv(t), "validate", dir)
	if r.err == nil {
		t.Fatal("validate of an invalid pack succeeded")
	}
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing", r.stdout)
	}
	file := filepath.Join(dir, campaigns.PackFile) + ":"
	var problems int
	for _, l := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		if strings.HasPrefix(l, file) {
			problems++
		}
	}
	if problems != 2 || !strings.Contains(r.stderr, "colour") || !strings.Contains(r.stderr, "14 days") {
		t.Errorf("stderr = %q, want both problems as FILE:LINE:COL lines", r.stderr)
	}
	if !strings.Contains(r.err.Error(), "2 problem(s)") {
		t.Errorf("error = %v", r.err)
	}
}

func TestServeRefusesInvalidPack(t *testing.T) {
	env := sqliteEnv(t)
	env["OUTREACH_CAMPAIGNS"] = invalidPack(t)
	env["OUTREACH_HTTP_ADDR"] = "127.0.0.1:0"
	r := run(t, env, "serve")
	if r.err == nil || !strings.Contains(r.err.Error(), "is invalid") || !strings.Contains(r.err.Error(), "colour") {
		t.Errorf("serve with an invalid pack = %v, want the problems", r.err)
	}
}

func TestReloadKeepsLastValidPack(t *testing.T) {
	ctx := context.Background()
	env := sqliteEnv(t)
	dir := filepath.Join(t.TempDir(), "pack")
	if err := campaigns.WriteDefault(dir); err != nil {
		t.Fatal(err)
	}
	env["OUTREACH_CAMPAIGNS"] = dir
	var logs bytes.Buffer
	m := NewMain()
	m.Stdout, m.Stderr = &logs, &logs
	m.Getenv = func(k string) string { return env[k] }
	m.Now = func() time.Time { return testNow }
	if err := m.ParseFlags(ctx, []string{"serve"}); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	db, err := m.openStore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p, err := m.startPlanning(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.stop()
	first := p.Active()
	if first.Pack.Version != 1 {
		t.Errorf("first version = %d, want 1", first.Pack.Version)
	}
	yaml := filepath.Join(dir, campaigns.PackFile)
	b, _ := os.ReadFile(yaml)
	if err := os.WriteFile(yaml, []byte(strings.Replace(string(b), "onboarding.completed, delay: 14d", "onboarding.completed, delay: soon", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	var perr *campaigns.Errors
	if err := p.reload(ctx); !errors.As(err, &perr) {
		t.Errorf("reload of an invalid pack = %v, want its errors", err)
	}
	if p.Active() != first {
		t.Error("an invalid pack replaced the active one")
	}
	if err := os.WriteFile(yaml, []byte(strings.Replace(string(b), "onboarding.completed, delay: 14d", "onboarding.completed, delay: 15d", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.reload(ctx); err != nil {
		t.Fatal(err)
	}
	if v := p.Active().Pack.Version; v != 2 {
		t.Errorf("version after a valid change = %d, want 2", v)
	}
	if !strings.Contains(logs.String(), `"version":2`) {
		t.Errorf("no log of the running version: %s", logs.String())
	}
}

// TestBinaryValidateExitCodes checks the process exit codes: 0 for a
// valid pack, 1 for an invalid one.
func TestBinaryValidateExitCodes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "outreach")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, tc := range []struct {
		args []string
		code int
	}{{[]string{"validate"}, 0}, {[]string{"validate", invalidPack(t)}, 1}} {
		cmd := exec.Command(bin, tc.args...)
		cmd.Env = append(os.Environ(), "OUTREACH_DATABASE_URL=sqlite:"+filepath.Join(t.TempDir(), "o.db"), "OUTREACH_CAMPAIGNS=")
		out, err := cmd.CombinedOutput()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.code {
			t.Errorf("outreach %v exited %d, want %d:\n%s", tc.args, code, tc.code, out)
		}
	}
}
