package outreach_test

import (
	"testing"

	"github.com/outreach-dev/outreach"
)

func TestSpreadsheetCell(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"fine", "fine"},
		{"a=b", "a=b"},
		{`=HYPERLINK("http://evil")`, `'=HYPERLINK("http://evil")`},
		{"+1", "'+1"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"-2+3+cmd|'/c calc'!A0@example.com", "'-2+3+cmd|'/c calc'!A0@example.com"},
		{"\t=1+1", "'\t=1+1"},
		{"\r=1+1", "'\r=1+1"},
		{"-12.5", "-12.5"}, // a number the report computed
		{"-", "'-"},
		{"12", "12"},
	} {
		if got := outreach.SpreadsheetCell(c.in); got != c.want {
			t.Errorf("SpreadsheetCell(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
