package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/ingest"
	"github.com/outreach-dev/outreach/store"
)

const importUsage = "import accounts|contacts|events|team|suppressions FILE.csv [--no-trigger] [--skip-invalid]"

func (m *Main) importCommand() *command {
	var noTrigger, skipInvalid bool
	return &command{
		Usage:   importUsage,
		Summary: "import a CSV file (header row, columns in any order); atomic unless --skip-invalid",
		Flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&noTrigger, "no-trigger", false, "events only: store the events without planning deliveries (history)")
			fs.BoolVar(&skipInvalid, "skip-invalid", false, "import the valid rows and list the rejected ones")
		},
		Run: func(ctx context.Context, args []string) error {
			if err := wantArgs(args, 2, importUsage); err != nil {
				return err
			}
			kind, err := ingest.ParseKind(args[0])
			if err != nil {
				return err
			}
			if noTrigger && kind != ingest.Events {
				return fmt.Errorf("--no-trigger applies to events only")
			}
			return m.importFile(ctx, kind, args[1], noTrigger, skipInvalid)
		},
	}
}

// importFile validates the whole file first (fields, then the references
// of the valid rows when some row is invalid), then writes it in one atomic
// store call: a file with an error imports nothing, unless skipInvalid.
func (m *Main) importFile(ctx context.Context, kind ingest.Kind, path string, noTrigger, skipInvalid bool) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	var size int64
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	db, err := m.openStore(ctx)
	if err != nil {
		return err
	}
	prog := newProgress(m.Stderr, isTerminal(m.Stderr), "reading "+path, size)
	batch, err := ingest.DecodeCSV(kind, prog.Reader(f), 0)
	prog.Done()
	var be *outreach.BatchError
	if err != nil && !errors.As(err, &be) {
		return fmt.Errorf("%s: %w", path, err)
	}
	rejected := 0
	if be != nil {
		// The store never sees a refused file: look its references up so
		// that one run lists every problem.
		if err := ingest.CheckRefs(ctx, db, batch, be); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		rejected = m.reportRows(path, be.Errors)
		if !skipInvalid {
			return invalidRowsError(path, rejected)
		}
		batch = batch.WithoutFailed(be)
	}
	if noTrigger {
		batch.SetNoTrigger()
	}
	res, more, err := m.writeRows(ctx, db, path, batch, skipInvalid)
	if err != nil {
		return err
	}
	rejected += more
	line := fmt.Sprintf("imported %s: %d created, %d updated, %d duplicates", path, res.Created, res.Updated, res.Duplicates)
	if skipInvalid {
		line += fmt.Sprintf(", %s rejected", plural(rejected, "row"))
	}
	fmt.Fprintln(m.Stdout, line)
	return nil
}

// writeRows writes batch in one atomic call. Rows the store rejects (an
// unknown account, say) fail the import, or with skipInvalid are listed and
// left out, and the rest written.
func (m *Main) writeRows(ctx context.Context, db *store.DB, path string, batch *ingest.Batch, skipInvalid bool) (outreach.BatchResult, int, error) {
	rejected := 0
	for {
		if batch.Len() == 0 {
			return outreach.BatchResult{}, rejected, nil
		}
		prog := newProgress(m.Stderr, isTerminal(m.Stderr), "writing "+plural(batch.Len(), "row"), 0)
		res, err := ingest.Write(ctx, db, batch, m.Now())
		prog.Done()
		var be *outreach.BatchError
		if !errors.As(err, &be) {
			return res, rejected, err
		}
		drop := map[int]bool{}
		lines := make([]outreach.FieldError, 0, len(be.Errors))
		for _, e := range be.Errors {
			if e.Index < 0 || e.Index >= batch.Len() {
				return res, rejected, fmt.Errorf("%s: %w", path, err)
			}
			drop[e.Index] = true
			e.Index = batch.Positions[e.Index]
			lines = append(lines, e)
		}
		rejected += m.reportRows(path, lines)
		if !skipInvalid {
			return res, rejected, invalidRowsError(path, len(drop))
		}
		batch = batch.Without(drop)
	}
}

// reportRows prints each error as FILE:LINE: column COL: message and
// returns the number of distinct rows.
func (m *Main) reportRows(path string, errs []outreach.FieldError) int {
	rows := map[int]bool{}
	for _, e := range errs {
		rows[e.Index] = true
		printRowError(m.Stderr, path, e)
	}
	return len(rows)
}

func printRowError(w io.Writer, path string, e outreach.FieldError) {
	if e.Field == "" {
		fmt.Fprintf(w, "%s:%d: %s\n", path, e.Index, e.Message)
		return
	}
	fmt.Fprintf(w, "%s:%d: column %s: %s\n", path, e.Index, e.Field, e.Message)
}

// invalidRowsError is the error of an import refused for n invalid rows.
func invalidRowsError(path string, n int) error {
	return fmt.Errorf("%s: %s invalid, nothing imported: fix them, or use --skip-invalid to import the valid rows",
		path, plural(n, "row"))
}

// plural returns "1 row" or "3 rows".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
