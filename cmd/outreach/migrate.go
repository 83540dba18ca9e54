package main

import (
	"context"
	"fmt"
)

func (m *Main) migrateCommand() *command {
	return &command{
		Usage:   "migrate",
		Summary: "apply pending database migrations (needed on PostgreSQL before serve)",
		Run: func(ctx context.Context, args []string) error {
			if err := wantArgs(args, 0, "migrate"); err != nil {
				return err
			}
			db, err := m.openRaw(ctx)
			if err != nil {
				return err
			}
			// The count is what this run applied under the migration
			// lock: a run that waited for another one applies 0.
			n, err := db.ApplyMigrations(ctx)
			if err != nil {
				return err
			}
			switch n {
			case 0:
				fmt.Fprintln(m.Stdout, "applied 0 migrations: the database was up to date")
			case 1:
				fmt.Fprintln(m.Stdout, "applied 1 migration")
			default:
				fmt.Fprintf(m.Stdout, "applied %d migrations\n", n)
			}
			return nil
		},
	}
}
