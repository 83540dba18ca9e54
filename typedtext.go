package outreach

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// This file is the one home of how text that people typed (survey
// comments, names, and text received from outside such as bounce reasons)
// is written into plain-text mail, where nothing escapes it: a comment
// with line breaks and a line "RENEWALS IN THE NEXT 90 DAYS" must read as
// the comment it is, not as a section of the email. Names and short values
// go on one line (PlainLine); comments are quoted line by line
// (PlainQuote). Both strip control characters, terminal escape sequences
// and bidirectional controls.

// QuotePrefix starts every line of a comment quoted in a plain-text
// email: indented under the item it belongs to, and marked as quoted.
const QuotePrefix = "    > "

// ansiEscape matches terminal escape sequences (CSI "ESC [ … letter", OSC
// "ESC ] … BEL/ST" and two-character escapes), removed whole so that no
// "[31m" is left behind.
var ansiEscape = regexp.MustCompile("\x1b(\\[[0-?]*[ -/]*[@-~]|\\][^\x07\x1b]*(\x07|\x1b\\\\)?|[@-Z\\\\-_])")

// plainRunes returns s without terminal escapes, with every line break
// (CR LF, CR, NEL, U+2028, U+2029, vertical tab, form feed) made "\n",
// tabs made spaces, and every other control and bidirectional control
// character removed.
func plainRunes(s string) string {
	s = ansiEscape.ReplaceAllString(strings.ReplaceAll(s, "\r\n", "\n"), "")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\v' || r == '\f' || r == '\u0085' || r == '\u2028' || r == '\u2029':
			b.WriteByte('\n')
		case r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\uFFFD':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// PlainLine returns typed text made one line of plain text: control
// characters removed, line breaks and runs of spaces made one space,
// trimmed. Names, account names and received reasons are written so.
func PlainLine(s string) string {
	return strings.Join(strings.Fields(plainRunes(s)), " ")
}

// PlainQuote returns a comment quoted for plain-text mail: control
// characters removed, each of its lines (trimmed at the end) prefixed with
// QuotePrefix, blank lines at the start and end dropped. "" stays "".
func PlainQuote(s string) string {
	lines := strings.Split(plainRunes(s), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRightFunc(l, unicode.IsSpace)
	}
	for len(lines) > 0 && lines[0] == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		lines[i] = strings.TrimRight(QuotePrefix+l, " ")
	}
	return strings.Join(lines, "\n")
}

// SpreadsheetCell returns a cell of a CSV export as a spreadsheet must
// read it: as text, never as a formula (CWE-1236). A spreadsheet runs a
// cell that starts with = + - or @ (or a tab or carriage return, which
// some strip first) as a formula, so such a cell gets a leading
// apostrophe. A number (an NPS of -12.5) is left as it is. Every CSV
// export writes each of its cells through this, typed or not: an email
// address such as -2+3+cmd|'/c calc'!A0@example.com is valid.
func SpreadsheetCell(s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return s
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil && s[0] == '-' {
		return s
	}
	return "'" + s
}
