package campaigns

import (
	"fmt"
	"slices"

	"github.com/outreach-dev/outreach/templates"
)

// Problem is one thing wrong with a pack, at a position of one of its files:
// the templates' problem type, so that a template problem and a
// campaigns.yaml problem are one thing, formatted and sorted alike.
type Problem = templates.Problem

// Errors reports every problem of an invalid pack at once.
type Errors struct {
	List []Problem
}

// Error prints one "FILE:LINE:COL: message" per line, sorted by file, line
// and column.
func (e *Errors) Error() string { return templates.JoinProblems(e.List) }

// add records a problem.
func (e *Errors) add(file string, line, col int, format string, args ...any) {
	e.List = append(e.List, Problem{File: file, Line: line, Col: col, Message: fmt.Sprintf(format, args...)})
}

// err sorts the problems and returns e, or nil when there are none.
func (e *Errors) err() error {
	if len(e.List) == 0 {
		return nil
	}
	templates.SortProblems(e.List)
	e.List = slices.Compact(e.List)
	return e
}
