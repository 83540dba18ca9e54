package campaigns

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Problem is one thing wrong with a pack, at a position of one of its files.
// Line and Col are 1-based; 0 means the problem concerns the whole file.
type Problem struct {
	File    string
	Line    int
	Col     int
	Message string
}

// String formats the problem as "FILE:LINE:COL: message" (or "FILE: message"
// when it has no position), the form editors and CI logs understand.
func (p Problem) String() string {
	if p.Line == 0 {
		return fmt.Sprintf("%s: %s", p.File, p.Message)
	}
	return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Col, p.Message)
}

// Errors reports every problem of an invalid pack at once.
type Errors struct {
	List []Problem
}

// Error prints one "FILE:LINE:COL: message" per line, sorted by file, line
// and column.
func (e *Errors) Error() string {
	lines := make([]string, len(e.List))
	for i, p := range e.List {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// add records a problem.
func (e *Errors) add(file string, line, col int, format string, args ...any) {
	e.List = append(e.List, Problem{File: file, Line: line, Col: col, Message: fmt.Sprintf(format, args...)})
}

// err sorts the problems and returns e, or nil when there are none.
func (e *Errors) err() error {
	if len(e.List) == 0 {
		return nil
	}
	slices.SortStableFunc(e.List, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	e.List = slices.Compact(e.List)
	return e
}
