// Package benchenv reads the sizes benchmarks take from the environment
// (OUTREACH_BENCH_CONTACTS, OUTREACH_BENCH_ANSWERS, …), so that each
// benchmark says only its variable, its default and its least value.
package benchenv

import (
	"os"
	"strconv"
	"testing"
)

// Int returns the integer in the environment variable name, or def when
// it is unset or empty. A value that is not an integer of at least least
// fails the benchmark, naming the variable and what it wants.
func Int(tb testing.TB, name string, def, least int) int {
	tb.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < least {
		tb.Fatalf("%s=%q: want an integer >= %d", name, s, least)
	}
	return n
}
