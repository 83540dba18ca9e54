package cronspec

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		spec, err string // err: "" = valid, else a substring of the error
	}{
		{"0 9 * * MON", ""},
		{"@daily", ""},
		{"@every 10s", ""},
		{"0 0 29 2 *", ""}, // fires in leap years
		{"0 0 31 2 *", "it never fires"},
		{"@every 0s", "more than 0"},
		{"0 9 * *", "use 5 fields"},
		{"61 9 * * *", "the fields are minute (0-59)"},
	} {
		s, err := Parse(tc.spec)
		switch {
		case tc.err == "" && (err != nil || s == nil):
			t.Errorf("Parse(%q) = %v, %v; want a schedule", tc.spec, s, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("Parse(%q) error = %v; want one containing %q", tc.spec, err, tc.err)
		}
	}
	var syntax *SyntaxError
	if _, err := Parse("0 9 * *"); !errors.As(err, &syntax) {
		t.Errorf("a spec robfig/cron cannot parse is a *SyntaxError, got %T", err)
	}
	s, _ := Parse("0 9 * * MON")
	from := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC) // a Thursday
	if got, want := s.Next(from), time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Next = %s, want %s", got, want)
	}
}

func TestCalendar(t *testing.T) {
	for _, tc := range []struct {
		spec, err string
	}{
		{"0 8 * * MON", ""},
		{"@weekly", ""},
		{"0 */4 * * *", ""},
		{"@every 1h", "interval"},
		{"*/30 * * * *", "more than once an hour"},
		{"TZ=Europe/Paris 0 8 * * *", "must not name a timezone"},
		{"0 0 31 4 *", "it never fires"},
	} {
		_, err := Calendar(tc.spec)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("Calendar(%q) = %v; want valid", tc.spec, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("Calendar(%q) error = %v; want one containing %q", tc.spec, err, tc.err)
		}
	}
}
