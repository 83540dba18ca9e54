package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
)

func (m *Main) packCommand() *command {
	var force bool
	return &command{
		Usage:   "pack export DIR [--force]",
		Summary: "write the stored active campaign pack's files into DIR (for git); refuses a non-empty DIR unless --force",
		Flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&force, "force", false, "write into a non-empty DIR, replacing files of the same name")
		},
		Run: func(ctx context.Context, args []string) error {
			if len(args) == 0 || args[0] != "export" {
				return fmt.Errorf("usage: outreach pack export DIR [--force]")
			}
			if err := wantArgs(args, 2, "pack export DIR [--force]"); err != nil {
				return err
			}
			db, err := m.openExisting(ctx)
			if err != nil {
				return err
			}
			p, err := db.ActivePack(ctx)
			if err != nil {
				return err
			}
			if err := exportPack(args[1], p.Files, force); err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "wrote version %d (%d files) to %s\n", p.Version, len(p.Files), args[1])
			return nil
		},
	}
}

// exportPack writes files into dir (created when missing). A dir holding
// anything is refused unless force; every path is checked to stay inside
// dir.
func exportPack(dir string, files map[string]string, force bool) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("pack export: %w", err)
	case len(entries) > 0 && !force:
		return outreach.Errorf(outreach.EINVALID, "pack export: %s is not empty: choose an empty directory or pass --force to replace its pack files", dir)
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		if !fs.ValidPath(p) || (p != campaigns.PackFile && !isUnder(p, campaigns.TemplatesDir)) {
			return fmt.Errorf("pack export: the stored pack has an unexpected path %q", p)
		}
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return fmt.Errorf("pack export: %w", err)
		}
		if err := os.WriteFile(full, []byte(files[p]), 0o644); err != nil {
			return fmt.Errorf("pack export: %w", err)
		}
	}
	return nil
}

func isUnder(p, dir string) bool { return len(p) > len(dir)+1 && p[:len(dir)+1] == dir+"/" }
