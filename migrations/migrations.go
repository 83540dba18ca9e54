// Package migrations embeds the goose migrations of the outreach schema, one
// set per SQL dialect. Both sets describe the same tables with the same
// representation: timestamps are BIGINT epoch milliseconds UTC (always
// passed in by the program, never SQL now()), dates are TEXT 'YYYY-MM-DD'
// and JSON documents are TEXT.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed postgres/*.sql sqlite/*.sql
var files embed.FS

// Postgres holds the PostgreSQL migrations at its root.
var Postgres fs.FS = mustSub("postgres")

// SQLite holds the SQLite migrations at its root.
var SQLite fs.FS = mustSub("sqlite")

func mustSub(dir string) fs.FS {
	sub, err := fs.Sub(files, dir)
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}
