package console

import (
	"slices"
	"strings"
)

// diffLine is one line of a line diff: Op is ' ' (in both), '-' (only in
// the old text) or '+' (only in the new text). OldN and NewN are 1-based
// line numbers, 0 where the line is absent.
type diffLine struct {
	Op         byte
	OldN, NewN int
	Text       string
}

// maxDiffCells bounds the LCS table (old lines × new lines); larger files
// are shown as all removed then all added.
const maxDiffCells = 4 << 20

// diffLines returns the line diff of a and b by a longest common
// subsequence of lines.
func diffLines(a, b string) []diffLine {
	x, y := splitLines(a), splitLines(b)
	if len(x)*len(y) > maxDiffCells {
		return replaceAll(x, y)
	}
	// lcs[i][j] is the LCS length of x[i:] and y[j:].
	w := len(y) + 1
	lcs := make([]int32, (len(x)+1)*w)
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	var out []diffLine
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			out = append(out, diffLine{Op: ' ', OldN: i + 1, NewN: j + 1, Text: x[i]})
			i, j = i+1, j+1
		case i < len(x) && (j == len(y) || lcs[(i+1)*w+j] >= lcs[i*w+j+1]):
			out = append(out, diffLine{Op: '-', OldN: i + 1, Text: x[i]})
			i++
		default:
			out = append(out, diffLine{Op: '+', NewN: j + 1, Text: y[j]})
			j++
		}
	}
	return out
}

func replaceAll(x, y []string) []diffLine {
	out := make([]diffLine, 0, len(x)+len(y))
	for i, l := range x {
		out = append(out, diffLine{Op: '-', OldN: i + 1, Text: l})
	}
	for j, l := range y {
		out = append(out, diffLine{Op: '+', NewN: j + 1, Text: l})
	}
	return out
}

// splitLines splits s into lines without their line ends; "" has none.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// fileDiff is the diff of one pack file between two versions.
type fileDiff struct {
	Path             string
	Added, Removed   int
	Lines            []diffLine // with context trimmed to diffContext lines
	Created, Deleted bool
}

// diffContext is how many unchanged lines are kept around a change.
const diffContext = 3

// diffPacks returns the changed files between old and new, by path.
func diffPacks(old, new map[string]string) []fileDiff {
	paths := make([]string, 0, len(old)+len(new))
	for p := range old {
		paths = append(paths, p)
	}
	for p := range new {
		if _, ok := old[p]; !ok {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	var out []fileDiff
	for _, p := range paths {
		a, inOld := old[p]
		b, inNew := new[p]
		if inOld && inNew && a == b {
			continue
		}
		fd := fileDiff{Path: p, Created: !inOld, Deleted: !inNew}
		all := diffLines(a, b)
		for _, l := range all {
			switch l.Op {
			case '+':
				fd.Added++
			case '-':
				fd.Removed++
			}
		}
		fd.Lines = trimContext(all, diffContext)
		out = append(out, fd)
	}
	return out
}

// trimContext keeps the changed lines and n unchanged lines around each,
// marking a gap with a line of Op '~'.
func trimContext(lines []diffLine, n int) []diffLine {
	keep := make([]bool, len(lines))
	for i, l := range lines {
		if l.Op == ' ' {
			continue
		}
		for k := max(0, i-n); k <= min(len(lines)-1, i+n); k++ {
			keep[k] = true
		}
	}
	var out []diffLine
	gap := false
	for i, l := range lines {
		if !keep[i] {
			gap = true
			continue
		}
		if gap && len(out) > 0 {
			out = append(out, diffLine{Op: '~'})
		}
		gap = false
		out = append(out, l)
	}
	return out
}
