package templates

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"text/template/parse"
)

// A pack template is written by people who may edit the pack in the
// console (marketing), and it is executed by the loader's validation (as
// they type), the preview, the forecast and every send. Go templates can
// loop over a number ({{range 1000000000000}}), nest loops and call
// templates from templates, so a few bytes of template could hold a core
// forever or fill the memory of every replica. These bounds keep a render
// to a small, predictable amount of work; no email needs more.
const (
	// MaxRenderBytes bounds each rendered part (subject, text, HTML).
	// Mail clients clip far smaller messages (Gmail at 102 KB).
	MaxRenderBytes = 1 << 20
	// MaxRangeItems bounds the items all the {{range}} loops of one render
	// go through together, nested loops included.
	MaxRangeItems = 1000
)

// rangeLimitFunc is the function appended to every {{range}} pipeline.
const rangeLimitFunc = "rangeLimit"

// errTooLarge is the error of a render past MaxRenderBytes.
var errTooLarge = errors.New("too large")

// cappedWriter writes into b until it holds MaxRenderBytes.
type cappedWriter struct{ b *bytes.Buffer }

func (w cappedWriter) Write(p []byte) (int, error) {
	if w.b.Len()+len(p) > MaxRenderBytes {
		return 0, errTooLarge
	}
	return w.b.Write(p)
}

// tooLarge is the problem of a part that renders past MaxRenderBytes.
func (pt part) tooLarge() *Problem {
	line, col := pt.position(1, -1)
	return &Problem{File: pt.path, Line: line, Col: col,
		Message: fmt.Sprintf("renders more than %d KiB: an email is far smaller (check the {{range}} loops)", MaxRenderBytes>>10)}
}

// rangeLimit passes a {{range}} its value, counting the items against the
// render's MaxRangeItems. Ranging over a number is refused: its count is
// unbounded.
func (r *renderer) rangeLimit(v any) (any, error) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return nil, fmt.Errorf("range over a number (%v) is not allowed: range over a list of the data", v)
	case reflect.Func, reflect.Chan:
		return nil, fmt.Errorf("range over a %s is not allowed: range over a list of the data", rv.Kind())
	case reflect.Slice, reflect.Array, reflect.Map:
		r.ranged += rv.Len()
		if r.ranged > MaxRangeItems {
			return nil, fmt.Errorf("the {{range}} loops go through more than %d items in one email", MaxRangeItems)
		}
	}
	return v, nil
}

// limitTrees checks and instruments the parsed templates of one part
// (trees: the part's template and those it defines): a {{template}} or
// {{block}} call is a problem (a message is one file, and calls can
// recurse or fan out without bound), and every {{range}} pipeline gets
// rangeLimit appended.
func (pt part) limitTrees(trees []*parse.Tree) []Problem {
	var problems []Problem
	var walk func(t *parse.Tree, n parse.Node)
	walk = func(t *parse.Tree, n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(t, c)
			}
		case *parse.TemplateNode:
			line, col := pt.position(pt.lineCol(n.Position()))
			problems = append(problems, Problem{File: pt.path, Line: line, Col: col,
				Message: fmt.Sprintf("{{template %q}} is not allowed in a pack template: write the text in this file", n.Name)})
		case *parse.RangeNode:
			n.Pipe.Cmds = append(n.Pipe.Cmds, &parse.CommandNode{NodeType: parse.NodeCommand, Pos: n.Pipe.Pos,
				Args: []parse.Node{parse.NewIdentifier(rangeLimitFunc).SetTree(t).SetPos(n.Pipe.Pos)}})
			walk(t, n.List)
			walk(t, n.ElseList)
		case *parse.IfNode:
			walk(t, n.List)
			walk(t, n.ElseList)
		case *parse.WithNode:
			walk(t, n.List)
			walk(t, n.ElseList)
		}
	}
	for _, t := range trees {
		if t != nil {
			walk(t, t.Root)
		}
	}
	return problems
}

// lineCol turns a byte offset of the part's source into the 1-based line
// and 0-based column text/template reports.
func (pt part) lineCol(pos parse.Pos) (int, int) {
	p := min(int(pos), len(pt.source))
	before := pt.source[:p]
	line := strings.Count(before, "\n") + 1
	return line, p - (strings.LastIndexByte(before, '\n') + 1)
}
