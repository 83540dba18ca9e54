package main

import "testing"

func TestToolchainWarning(t *testing.T) {
	for _, tc := range []struct {
		version string
		warn    bool
	}{
		{"go1.26.8", true},
		{"go1.26.9", true},
		{"go1.25.12", true},
		{"go1.26.10", false},
		{"go1.26.11", false},
		{"go1.27.3", false},
		{"go1.27rc1", false},
		{"devel go1.28-abcdef", false},
	} {
		got := toolchainWarning(tc.version)
		if (got != "") != tc.warn {
			t.Errorf("toolchainWarning(%q) = %q, want warning %v", tc.version, got, tc.warn)
		}
	}
}
