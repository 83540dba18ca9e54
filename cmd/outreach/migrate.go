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
			n, err := db.PendingMigrations(ctx)
			if err != nil {
				return err
			}
			if err := db.Migrate(ctx); err != nil {
				return err
			}
			if n == 0 {
				fmt.Fprintln(m.Stdout, "database is up to date")
			} else {
				fmt.Fprintf(m.Stdout, "applied %d migrations\n", n)
			}
			return nil
		},
	}
}
