package console

import (
	"fmt"
	"strings"
	"testing"
)

func render(d []diffLine) string {
	var b strings.Builder
	for _, l := range d {
		fmt.Fprintf(&b, "%c%d,%d %s\n", l.Op, l.OldN, l.NewN, l.Text)
	}
	return b.String()
}

// TestDiffLines: the diff keeps the longest common run of lines and numbers
// each side; applying it to the old text gives the new one.
func TestDiffLines(t *testing.T) {
	cases := []struct{ a, b, want string }{
		{"", "", ""},
		{"a\nb\n", "a\nb\n", " 1,1 a\n 2,2 b\n"},
		{"a\nb\nc\n", "a\nc\n", " 1,1 a\n-2,0 b\n 3,2 c\n"},
		{"a\nc\n", "a\nb\nc\n", " 1,1 a\n+0,2 b\n 2,3 c\n"},
		{"a\nx\nc\n", "a\ny\nc\n", " 1,1 a\n-2,0 x\n+0,2 y\n 3,3 c\n"},
		{"", "a\n", "+0,1 a\n"},
		{"a\r\nb\r\n", "a\nb", " 1,1 a\n 2,2 b\n"},
	}
	for _, c := range cases {
		if got := render(diffLines(c.a, c.b)); got != c.want {
			t.Errorf("diff(%q, %q):\n%s\nwant:\n%s", c.a, c.b, got, c.want)
		}
	}
	// Applying the diff rebuilds both sides, on a larger change.
	a := "name: x\nttl: 3d\npriority: 2\nlocales: [en]\nend\n"
	b := "name: y\nttl: 3d\nlocales: [en, fr]\nextra\nend\n"
	var oldSide, newSide []string
	for _, l := range diffLines(a, b) {
		if l.Op != '+' {
			oldSide = append(oldSide, l.Text)
		}
		if l.Op != '-' {
			newSide = append(newSide, l.Text)
		}
	}
	if strings.Join(oldSide, "\n")+"\n" != a || strings.Join(newSide, "\n")+"\n" != b {
		t.Fatalf("diff does not rebuild its sides: %q / %q", oldSide, newSide)
	}
}

// TestDiffPacks: unchanged files are left out, created and deleted files are
// marked, and long unchanged runs are cut to the context around a change.
func TestDiffPacks(t *testing.T) {
	long := strings.Repeat("same\n", 20)
	old := map[string]string{"campaigns.yaml": long + "old\n" + long, "templates/a.html": "x", "templates/gone.html": "g"}
	new := map[string]string{"campaigns.yaml": long + "new\n" + long, "templates/a.html": "x", "templates/b.html": "b"}
	got := diffPacks(old, new)
	if len(got) != 3 || got[0].Path != "campaigns.yaml" || got[1].Path != "templates/b.html" || got[2].Path != "templates/gone.html" {
		t.Fatalf("files %+v", got)
	}
	if !got[1].Created || !got[2].Deleted {
		t.Fatalf("created/deleted not marked: %+v", got[1:])
	}
	y := got[0]
	if y.Added != 1 || y.Removed != 1 || len(y.Lines) != 2*diffContext+2 {
		t.Fatalf("campaigns.yaml: +%d -%d, %d lines shown:\n%s", y.Added, y.Removed, len(y.Lines), render(y.Lines))
	}
}
