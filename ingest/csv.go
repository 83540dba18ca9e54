package ingest

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/outreach-dev/outreach"
)

// DecodeCSV reads a CSV file of kind from r: a header row naming the
// columns (in any order), then one item per row. It returns the valid items
// and a *outreach.BatchError listing every problem, each with its line
// (the header is line 1) as Index and its column as Field. A problem with
// the header (a missing required column, an unknown or repeated column) is
// reported on line 1 and no row is decoded. maxItems > 0 caps the rows.
func DecodeCSV(kind Kind, r io.Reader, maxItems int) (*Batch, error) {
	sc, ok := schemas[kind]
	if !ok {
		return nil, outreach.Errorf(outreach.EINVALID, "unknown kind %q", kind)
	}
	cr := csv.NewReader(&bomSkipper{r: r})
	cr.FieldsPerRecord = -1
	errs := &outreach.BatchError{}
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		errs.Add(1, "", "the file is empty: the first line must name the columns (%s)", strings.Join(sc.fields, ","))
		return &Batch{Kind: kind}, errs
	}
	if err != nil {
		return nil, csvError(err)
	}
	cols := checkHeader(kind, sc, header, errs)
	b := &Batch{Kind: kind}
	if errs.Err() != nil {
		return b, errs
	}
	for rows := 0; ; rows++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				// The reader cannot resynchronise after a quoting error.
				errs.Add(pe.Line, "", "%v", pe.Err)
				break
			}
			return nil, csvError(err)
		}
		if maxItems > 0 && rows == maxItems {
			return nil, outreach.Errorf(outreach.ETOOLARGE, "more than %d rows: split the file", maxItems)
		}
		line, _ := cr.FieldPos(0)
		it := newItem(line, errs)
		if itemFromCSV(it, sc, cols, rec) {
			b.build(it)
		}
	}
	return b, errs.Err()
}

func csvError(err error) error {
	return fmt.Errorf("read csv: %w", err)
}

// checkHeader validates the header row and returns the column names. The
// names of known columns match whatever their case and surrounding white
// space ("Email " is email); other names are kept as written (they become
// attribute or property keys).
func checkHeader(kind Kind, sc schema, header []string, errs *outreach.BatchError) []string {
	cols := make([]string, len(header))
	seen := map[string]string{} // column -> its name as written
	for i, h := range header {
		h = strings.TrimSpace(h)
		written := h
		h = sc.column(h)
		cols[i] = h
		switch {
		case h == "":
			errs.Add(1, "", "column %d has no name", i+1)
		case !utf8.ValidString(h):
			errs.Add(1, "", "the name of column %d is not valid UTF-8: save the file as UTF-8", i+1)
		case strings.ContainsRune(h, 0):
			errs.Add(1, "", "the name of column %d %s", i+1, errNUL)
		case seen[h] != "" && seen[h] != written:
			errs.Add(1, h, "columns %q and %q are the same column: keep one", seen[h], written)
		case seen[h] != "":
			errs.Add(1, h, "column %q appears twice", h)
		case !sc.known(h) && h != sc.object && !sc.extrasCSV:
			errs.Add(1, h, "unknown column %q: the columns of %s are %s", h, kind, strings.Join(sc.fields, ","))
		}
		if _, dup := seen[h]; !dup {
			seen[h] = written
		}
	}
	for _, req := range requiredColumns[kind] {
		if _, ok := seen[req]; !ok {
			errs.Add(1, req, "missing column %q", req)
		}
	}
	_, email := seen["email"]
	_, external := seen["external_id"]
	if kind == Contacts && !email && !external {
		errs.Add(1, "email", `missing column "email" (a file that only updates known contacts may give "external_id" instead)`)
	}
	return cols
}

// requiredColumns are the columns without which no row could be valid.
// Contacts need email or external_id (checked above).
var requiredColumns = map[Kind][]string{
	Accounts:     {"external_id"},
	Events:       {"id", "type", "occurred_at"},
	Team:         {"email"},
	Suppressions: {"email", "scope"},
}

// itemFromCSV fills it from one row; false when the row is malformed.
func itemFromCSV(it *item, sc schema, cols, rec []string) bool {
	if len(rec) != len(cols) {
		it.fail("", "the row has %d cells but the header has %d columns", len(rec), len(cols))
		return false
	}
	if len(rec) == 1 && rec[0] == "" {
		it.fail("", "the row is empty")
		return false
	}
	for i, col := range cols {
		cell := rec[i]
		switch {
		case sc.known(col):
			it.setString(col, cell)
		case col == sc.object:
			if strings.TrimSpace(cell) == "" {
				continue
			}
			obj, err := objectFromJSON([]byte(cell))
			if err != nil {
				it.fail(col, "%v", err)
				continue
			}
			for k, v := range obj {
				it.setExtra(col, k, v)
			}
		default: // an extra column: checkHeader allowed it
			cell = strings.TrimSpace(cell)
			if cell == "" {
				continue
			}
			before := len(it.errs.Errors)
			it.setString(col, cell)
			if len(it.errs.Errors) == before {
				delete(it.vals, col)
				it.setExtra(col, col, cell)
			}
		}
	}
	return true
}

// bomSkipper drops a UTF-8 byte order mark at the start of a file, which
// spreadsheet programs like to write.
type bomSkipper struct {
	r    io.Reader
	done bool
}

func (b *bomSkipper) Read(p []byte) (int, error) {
	if b.done {
		return b.r.Read(p)
	}
	b.done = true
	buf := make([]byte, 3)
	n, err := io.ReadFull(b.r, buf)
	buf = buf[:n]
	buf = bytes.TrimPrefix(buf, []byte("\xef\xbb\xbf"))
	b.r = io.MultiReader(bytes.NewReader(buf), b.r)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return 0, err
	}
	return b.r.Read(p)
}
