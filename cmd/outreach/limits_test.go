package main

import "testing"

func TestBackgroundConns(t *testing.T) {
	for _, tc := range []struct{ total, bg int }{
		{4, 3}, {8, 3}, {9, 3}, {12, 4}, {20, 6}, {24, 8}, {100, 8},
	} {
		if got := backgroundConns(tc.total); got != tc.bg {
			t.Errorf("backgroundConns(%d) = %d, want %d", tc.total, got, tc.bg)
		}
		if tc.total-backgroundConns(tc.total) < 1 {
			t.Errorf("OUTREACH_DB_MAX_CONNS=%d leaves the API no connection", tc.total)
		}
	}
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{"1048576": 1 << 20, "64MiB": 64 << 20, "512 KiB": 512 << 10, "1GiB": 1 << 30} {
		if got, err := parseBytes(in); err != nil || got != want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "64MB", "-1", "1.5MiB", "99999999999GiB"} {
		if got, err := parseBytes(in); err == nil {
			t.Errorf("parseBytes(%q) = %d, want an error", in, got)
		}
	}
}
