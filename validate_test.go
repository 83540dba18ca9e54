package outreach_test

import (
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
)

func TestParseTime(t *testing.T) {
	cases := []struct {
		in   string
		want time.Time // zero: an error containing msg
		msg  string
	}{
		{"2026-03-01T09:30:00Z", time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC), ""},
		{" 2026-03-01T09:30:00.250+02:00 ", time.Date(2026, 3, 1, 7, 30, 0, 250e6, time.UTC), ""},
		{"2026-03-01T09:30:00+23:59", time.Date(2026, 2, 28, 9, 31, 0, 0, time.UTC), ""},
		{"2026-03-01T09:30:00-23:59", time.Date(2026, 3, 2, 9, 29, 0, 0, time.UTC), ""},
		{"1970-01-01T00:00:00Z", time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), ""},
		{"2200-12-31T23:59:59.999Z", time.Date(2200, 12, 31, 23, 59, 59, 999e6, time.UTC), ""},
		// Placeholders and typos: out of range, not "required".
		{"0001-01-01T00:00:00Z", time.Time{}, "out of range: use a year from 1970 to 2200"},
		{"9999-12-31T23:59:59Z", time.Time{}, "out of range"},
		{"1969-12-31T23:59:59Z", time.Time{}, "out of range"},
		{"2201-01-01T00:00:00Z", time.Time{}, "out of range"},
		{"1970-01-01T00:30:00+01:00", time.Time{}, "out of range"}, // 1969 in UTC
		// Go's parser takes these; RFC 3339 does not.
		{"2026-03-01T09:30:00-24:00", time.Time{}, "offset out of range"},
		{"2026-03-01T09:30:00+23:60", time.Time{}, "offset out of range"},
		{"2026-03-01T09:30:00,5Z", time.Time{}, "not an RFC 3339 time"},
		{"2026-03-01T09:30:00+0100", time.Time{}, "not an RFC 3339 time"},
		{"2026-03-01", time.Time{}, "not an RFC 3339 time"},
		{"2026-02-30T09:30:00Z", time.Time{}, "not an RFC 3339 time"},
	}
	for _, tc := range cases {
		got, err := outreach.ParseTime(tc.in)
		switch {
		case tc.msg == "" && (err != nil || !got.Equal(tc.want) || got.Location() != time.UTC):
			t.Errorf("ParseTime(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		case tc.msg != "" && (err == nil || !strings.Contains(err.Error(), tc.msg)):
			t.Errorf("ParseTime(%q) = %v, %v; want an error containing %q", tc.in, got, err, tc.msg)
		}
	}
	if got, err := outreach.ParseTime(" "); got != nil || err != nil {
		t.Errorf("blank = %v, %v; want unset", got, err)
	}
}

func TestParseDates(t *testing.T) {
	cases := []struct {
		in, want, msg string
	}{
		{"2026-12-31", "2026-12-31", ""},
		{"2026-12-31T23:00:00-05:00", "2026-12-31", ""}, // the date as written
		{"1970-01-01", "1970-01-01", ""},
		{"2200-12-31", "2200-12-31", ""},
		{"9999-12-31", "", "out of range"},
		{"0001-01-01", "", "out of range"},
		{"9999-12-31T00:00:00Z", "", "out of range"},
		{"2026-12-31T00:00:00-24:00", "", "offset out of range"},
		{"31/12/2026", "", "not a date"},
	}
	for _, tc := range cases {
		got, err := outreach.ParseDate(tc.in)
		switch {
		case tc.msg == "" && (err != nil || got != tc.want):
			t.Errorf("ParseDate(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		case tc.msg != "" && (err == nil || !strings.Contains(err.Error(), tc.msg)):
			t.Errorf("ParseDate(%q) = %q, %v; want an error containing %q", tc.in, got, err, tc.msg)
		}
		dt, err := outreach.ParseDateOrTime(tc.in)
		switch {
		case tc.msg == "" && err != nil:
			t.Errorf("ParseDateOrTime(%q): %v", tc.in, err)
		case tc.msg != "" && tc.msg != "not a date" && (err == nil || !strings.Contains(err.Error(), tc.msg)):
			t.Errorf("ParseDateOrTime(%q) = %v, %v; want an error containing %q", tc.in, dt, err, tc.msg)
		}
	}
}
