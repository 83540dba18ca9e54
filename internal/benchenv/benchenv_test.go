package benchenv

import "testing"

func TestInt(t *testing.T) {
	t.Setenv("OUTREACH_BENCH_TEST_SIZE", "")
	if got := Int(t, "OUTREACH_BENCH_TEST_SIZE", 20_000, 1000); got != 20_000 {
		t.Errorf("unset: %d, want the default 20000", got)
	}
	t.Setenv("OUTREACH_BENCH_TEST_SIZE", "1000000")
	if got := Int(t, "OUTREACH_BENCH_TEST_SIZE", 20_000, 1000); got != 1_000_000 {
		t.Errorf("set: %d, want 1000000", got)
	}
}
