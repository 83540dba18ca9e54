package campaigns

import (
	"errors"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// walker turns a YAML AST into values, recording every problem with the
// position of the node it concerns instead of stopping at the first one.
type walker struct {
	file    string
	errs    *Errors
	anchors map[string]ast.Node
}

// parseYAML parses src to the body of its single document. It reports
// syntax errors and returns nil when there is nothing to walk.
func (w *walker) parseYAML(src []byte) ast.Node {
	f, err := parser.ParseBytes(src, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		var ye yaml.Error
		if errors.As(err, &ye) && ye.GetToken() != nil {
			p := ye.GetToken().Position
			w.errs.add(w.file, p.Line, p.Column, "YAML syntax error: %s", ye.GetMessage())
		} else {
			w.errs.add(w.file, 0, 0, "YAML syntax error: %v", err)
		}
		return nil
	}
	if len(f.Docs) > 1 {
		w.errorf(f.Docs[1], "the file holds several YAML documents (---): keep one")
	}
	if len(f.Docs) == 0 || f.Docs[0].Body == nil {
		w.errs.add(w.file, 0, 0, "the file is empty: it needs at least a campaigns: list")
		return nil
	}
	w.anchors = map[string]ast.Node{}
	ast.Walk(anchorCollector(w.anchors), f.Docs[0].Body)
	return f.Docs[0].Body
}

// anchorCollector records the node of every &anchor so aliases resolve.
type anchorCollector map[string]ast.Node

// Visit implements ast.Visitor.
func (a anchorCollector) Visit(n ast.Node) ast.Visitor {
	if an, ok := n.(*ast.AnchorNode); ok && an.Name != nil {
		a[an.Name.GetToken().Value] = an.Value
	}
	return a
}

// position returns the 1-based line and column where n starts.
func position(n ast.Node) (int, int) {
	switch v := n.(type) {
	case nil:
		return 0, 0
	case *ast.MappingNode:
		if !v.IsFlowStyle && len(v.Values) > 0 {
			return position(v.Values[0])
		}
	case *ast.MappingValueNode:
		return position(v.Key)
	case *ast.DocumentNode:
		if v.Start != nil {
			return v.Start.Position.Line, v.Start.Position.Column
		}
		return position(v.Body)
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return 0, 0
	}
	return tk.Position.Line, tk.Position.Column
}

// errorf records a problem at node n.
func (w *walker) errorf(n ast.Node, format string, args ...any) {
	line, col := position(n)
	w.errs.add(w.file, line, col, format, args...)
}

// resolve unwraps anchors, aliases and tags to the node that holds the value.
func (w *walker) resolve(n ast.Node) ast.Node {
	for range 16 { // bounded: an alias cycle must not hang validation
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		case *ast.AliasNode:
			target, ok := w.anchors[v.Value.GetToken().Value]
			if !ok {
				return n
			}
			n = target
		default:
			return n
		}
	}
	return n
}

// isNull reports whether n is absent or an explicit null (`key:` with no value).
func (w *walker) isNull(n ast.Node) bool {
	n = w.resolve(n)
	if n == nil {
		return true
	}
	_, ok := n.(*ast.NullNode)
	return ok
}

// kind names the YAML type of n for messages ("a list", "a string").
func kind(n ast.Node) string {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.StringNode, *ast.LiteralNode:
		return "a string"
	case *ast.IntegerNode:
		return "an integer"
	case *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "a number"
	case *ast.BoolNode:
		return "a boolean"
	case nil, *ast.NullNode:
		return "empty"
	case *ast.AliasNode:
		return "an unknown alias"
	}
	return "something else"
}

// field is one key of a mapping.
type field struct {
	key   ast.Node // the key node, where "unknown key" problems point
	value ast.Node // resolved; nil or *ast.NullNode when empty
}

// fields is a checked mapping: known keys only, each once.
type fields struct {
	node ast.Node // the mapping, where "missing key" problems point
	m    map[string]field
}

// get returns the field for key and whether it is present with a value.
func (f fields) get(key string) (field, bool) {
	fl, ok := f.m[key]
	if !ok {
		return field{}, false
	}
	if _, null := fl.value.(*ast.NullNode); null || fl.value == nil {
		return fl, false
	}
	return fl, true
}

// has reports whether key is present, even with an empty value.
func (f fields) has(key string) bool {
	_, ok := f.m[key]
	return ok
}

// mapping checks that n is a mapping whose keys are all in allowed, each
// used once (any key when allowed is nil). what names the mapping in
// messages ("policy", `campaign "x" trigger`).
// An empty value is an empty mapping; ok is false when n is not a mapping.
func (w *walker) mapping(n ast.Node, what string, allowed []string) (fields, bool) {
	n = w.resolve(n)
	f := fields{node: n, m: map[string]field{}}
	var values []*ast.MappingValueNode
	switch v := n.(type) {
	case nil, *ast.NullNode:
		return f, true
	case *ast.MappingNode:
		values = v.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{v}
	default:
		w.errorf(n, "%s: must be a mapping (key: value), not %s", what, kind(n))
		return f, false
	}
	for _, mv := range values {
		keyNode := w.resolve(mv.Key)
		key := ""
		if tk := keyNode.GetToken(); tk != nil {
			key = tk.Value
		}
		if _, merge := mv.Key.(*ast.MergeKeyNode); merge {
			w.errorf(mv.Key, "%s: merge keys (<<) are not supported: write the keys out", what)
			continue
		}
		if allowed != nil && !contains(allowed, key) {
			w.errorf(mv.Key, "%s: unknown key %q; allowed: %s", what, key, strings.Join(allowed, ", "))
			continue
		}
		if prev, dup := f.m[key]; dup {
			line, _ := position(prev.key)
			w.errorf(mv.Key, "%s: duplicate key %q (first at line %d)", what, key, line)
			continue
		}
		f.m[key] = field{key: mv.Key, value: w.resolve(mv.Value)}
	}
	return f, true
}

// scalar returns the text of a scalar node (string, number or boolean).
func scalar(n ast.Node) (string, bool) {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		return v.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		return n.GetToken().Value, true
	}
	return "", false
}

// str reads an optional string key; ok is false when it is absent or wrong.
func (w *walker) str(f fields, key, what string) (string, ast.Node, bool) {
	fl, present := f.get(key)
	if !present {
		return "", nil, false
	}
	switch v := fl.value.(type) {
	case *ast.StringNode:
		return v.Value, v, true
	case *ast.LiteralNode:
		return v.Value.Value, v, true
	}
	w.errorf(fl.value, "%s: must be a string, not %s", join(what, key), kind(fl.value))
	return "", fl.value, false
}

// required reads a required string key, reporting it when missing or empty.
func (w *walker) required(f fields, key, what string) (string, ast.Node, bool) {
	fl, exists := f.m[key]
	if !exists {
		w.errorf(f.node, "%s: missing required key %q", what, key)
		return "", nil, false
	}
	if w.isNull(fl.value) {
		w.errorf(fl.key, "%s: is empty: give it a value", join(what, key))
		return "", nil, false
	}
	s, n, ok := w.str(f, key, what)
	if ok && strings.TrimSpace(s) == "" {
		w.errorf(n, "%s: is empty: give it a value", join(what, key))
		return "", n, false
	}
	return s, n, ok
}

// integer reads an optional integer key.
func (w *walker) integer(f fields, key, what string) (int, ast.Node, bool) {
	fl, present := f.get(key)
	if !present {
		return 0, nil, false
	}
	v, isInt := fl.value.(*ast.IntegerNode)
	if !isInt {
		w.errorf(fl.value, "%s: must be a whole number, not %s", join(what, key), kind(fl.value))
		return 0, fl.value, false
	}
	switch x := v.Value.(type) {
	case int64:
		if x >= -1<<31 && x < 1<<31 {
			return int(x), v, true
		}
	case uint64:
		if x < 1<<31 {
			return int(x), v, true
		}
	}
	w.errorf(v, "%s: %s is out of range", join(what, key), v.GetToken().Value)
	return 0, v, false
}

// duration reads an optional duration key. With positive, zero is refused.
func (w *walker) duration(f fields, key, what string, positive bool) (time.Duration, ast.Node, bool) {
	fl, present := f.get(key)
	if !present {
		return 0, nil, false
	}
	s, ok := scalar(fl.value)
	if !ok {
		w.errorf(fl.value, "%s: must be a duration such as \"14d\" or \"2h\", not %s", join(what, key), kind(fl.value))
		return 0, fl.value, false
	}
	d, err := ParseDuration(s)
	if err != nil {
		w.errorf(fl.value, "%s: %v", join(what, key), err)
		return 0, fl.value, false
	}
	if positive && d <= 0 {
		w.errorf(fl.value, "%s: must be more than 0 (remove the key for no such rule)", join(what, key))
		return 0, fl.value, false
	}
	return d, fl.value, true
}

// stringList reads an optional key whose value is a scalar or a list of
// scalars, normalised to a list of strings.
func (w *walker) stringList(f fields, key, what string) ([]string, []ast.Node, bool) {
	fl, present := f.get(key)
	if !present {
		return nil, nil, false
	}
	return w.stringListValue(fl.value, join(what, key))
}

// stringListValue reads a scalar or a non-empty list of scalars.
func (w *walker) stringListValue(n ast.Node, what string) ([]string, []ast.Node, bool) {
	if s, ok := scalar(n); ok {
		return []string{s}, []ast.Node{n}, true
	}
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		w.errorf(n, "%s: must be a value or a list of values, not %s", what, kind(n))
		return nil, nil, false
	}
	var out []string
	var nodes []ast.Node
	good := true
	for _, item := range seq.Values {
		item = w.resolve(item)
		s, ok := scalar(item)
		if !ok {
			w.errorf(item, "%s: each entry must be a single value, not %s", what, kind(item))
			good = false
			continue
		}
		out = append(out, s)
		nodes = append(nodes, item)
	}
	if len(seq.Values) == 0 {
		w.errorf(n, "%s: is an empty list: list at least one value or remove the key", what)
		return nil, nil, false
	}
	return out, nodes, good
}

// join appends key to the path what: "policy" + "timezone" =
// "policy.timezone"; `campaign "x"` + "ttl" = `campaign "x" ttl`. Campaign
// keys never hold spaces (keyPattern), so the test is exact.
func join(what, key string) string {
	switch {
	case what == "":
		return key
	case (strings.HasPrefix(what, "campaign ") || strings.HasPrefix(what, "alert ")) && strings.Count(what, " ") == 1:
		return what + " " + key // `campaign "x" ttl`, `campaign #2 ttl`
	}
	return what + "." + key
}

// contains reports whether list holds s.
func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
