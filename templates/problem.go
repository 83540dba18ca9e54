package templates

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Problem is one thing wrong with a file of a campaign pack (a template
// here; campaigns.Problem is the same type), at a position of the file.
// Line and Col are 1-based; Line 0 means the problem concerns the whole
// file or folder.
type Problem struct {
	File    string
	Line    int
	Col     int
	Message string
}

// String formats the problem as "FILE:LINE:COL: message" (or "FILE:
// message" when it has no position), the form editors and CI annotations
// understand.
func (p Problem) String() string {
	if p.Line == 0 {
		return fmt.Sprintf("%s: %s", p.File, p.Message)
	}
	return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Col, p.Message)
}

// Error is String: a problem is also the error of a failed render.
func (p *Problem) Error() string { return p.String() }

// SortProblems sorts problems by file, line and column, keeping the order
// of problems at the same position.
func SortProblems(problems []Problem) {
	slices.SortStableFunc(problems, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
}

// LoadErrors reports every problem Load found, sorted by path and position.
type LoadErrors struct {
	Errors []Problem
}

// Error joins the problems, one PATH:LINE:COL: message per line.
func (e *LoadErrors) Error() string { return JoinProblems(e.Errors) }

// JoinProblems formats problems one "FILE:LINE:COL: message" per line.
func JoinProblems(problems []Problem) string {
	lines := make([]string, len(problems))
	for i, p := range problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

func (e *LoadErrors) add(path string, line, col int, format string, args ...any) {
	e.Errors = append(e.Errors, Problem{File: path, Line: line, Col: col, Message: fmt.Sprintf(format, args...)})
}

func (e *LoadErrors) err() error {
	if len(e.Errors) == 0 {
		return nil
	}
	SortProblems(e.Errors)
	return e
}

// part is one parsed piece of a file: the subject (from the front matter) or
// the body. It maps positions inside the piece back to the file.
type part struct {
	path       string // file path, also the template's name
	lineOffset int    // file line = piece line + lineOffset
	firstCol   int    // 1-based file column where the piece's first line starts
	source     string // the piece's template text
}

// position maps a piece position (1-based line, 0-based byte column as
// text/template reports it, -1 when unknown) to a file position.
func (pt part) position(line, col int) (int, int) {
	if line < 1 {
		line = 1
	}
	fileCol := col + 1
	if col < 0 {
		fileCol = 1
	}
	if line == 1 {
		fileCol += pt.firstCol - 1
	}
	return line + pt.lineOffset, fileCol
}

var (
	// "template: NAME:LINE:COL: rest" (exec) or "template: NAME:LINE: rest"
	// (parse) or "html/template:NAME:LINE:COL: rest" (escaping).
	errPosition = regexp.MustCompile(`^(\d+)(?::(\d+))?: (?s)(.*)$`)
	// `executing "NAME" at <CONTEXT>: MESSAGE`
	errExec = regexp.MustCompile(`^executing "[^"]*" at <(.*?)>: (?s)(.*)$`)
	// a missingkey=error failure
	errMissingKey = regexp.MustCompile(`^map has no entry for key "(.*)"$`)
)

// problem turns a text/template or html/template error about this piece into
// a Problem at the file position the error names.
func (pt part) problem(err error) *Problem {
	msg := err.Error()
	rest := ""
	for _, prefix := range []string{"template: ", "html/template:"} {
		if after, ok := strings.CutPrefix(msg, prefix+pt.path+":"); ok {
			rest = after
			break
		}
	}
	line, col := pt.position(1, -1)
	if rest == "" {
		return &Problem{File: pt.path, Line: line, Col: col, Message: msg}
	}
	m := errPosition.FindStringSubmatch(rest)
	if m == nil {
		return &Problem{File: pt.path, Line: line, Col: col, Message: strings.TrimSpace(rest)}
	}
	l, _ := strconv.Atoi(m[1])
	c := -1
	if m[2] != "" {
		c, _ = strconv.Atoi(m[2])
	}
	line, col = pt.position(l, c)
	return &Problem{File: pt.path, Line: line, Col: col, Message: execMessage(m[3])}
}

// execMessage rewrites text/template's execution messages into ones that
// name the template expression and say what to fix.
func execMessage(s string) string {
	m := errExec.FindStringSubmatch(s)
	if m == nil {
		return s
	}
	context, detail := m[1], m[2]
	if k := errMissingKey.FindStringSubmatch(detail); k != nil {
		hint := ""
		if strings.HasPrefix(context, ".Event.") {
			hint = fmt.Sprintf(`; the triggering event has no property %q: print optional properties inside {{with index .Event %q}}{{.}}{{end}}`, k[1], k[1])
		}
		return fmt.Sprintf("missing variable %s%s", context, hint)
	}
	detail = strings.TrimPrefix(detail, "error calling ")
	if unsetDate(detail) {
		field, guard := "the date", optionalDates[0]
		for _, f := range optionalDates {
			if strings.Contains(context, f) {
				field, guard = f, f
				break
			}
		}
		use := "{{date .}}"
		if !strings.HasPrefix(context, "date ") {
			use = "..."
		}
		return fmt.Sprintf("in {{%s}}: %s is not set for this contact; use an optional date inside {{with %s}}%s{{end}}", context, field, guard, use)
	}
	return fmt.Sprintf("in {{%s}}: %s", context, detail)
}

// optionalDates are the dates of the template data that are nil when unset.
var optionalDates = []string{".Account.RenewalDate", ".Account.StartedAt"}

// unsetDate reports whether an execution error is about an unset date:
// date's own error, or a method of a nil *time.Time ({{.Account.RenewalDate.Year}}).
func unsetDate(detail string) bool {
	return strings.HasSuffix(detail, "date: "+errDateNotSet.Error()) ||
		strings.Contains(detail, "called using nil *Time pointer") ||
		strings.Contains(detail, "nil pointer evaluating *time.Time")
}
