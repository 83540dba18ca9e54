package smtp

import "testing"

// TestSendRateApplies: OUTREACH_SEND_RATE (Config.RatePerSecond) is the
// rate of the one bucket every Send waits on; the default is 100/s.
func TestSendRateApplies(t *testing.T) {
	s, err := NewSender(Config{URL: "smtp://127.0.0.1:1025?tls=none"})
	if err != nil {
		t.Fatal(err)
	}
	if s.bucket.Rate() != DefaultRatePerSecond || s.bucket.Burst() != 1 || cap(s.slots) != DefaultConns {
		t.Errorf("defaults: rate %v burst %d conns %d", s.bucket.Rate(), s.bucket.Burst(), cap(s.slots))
	}
	s, err = NewSender(Config{URL: "smtp://127.0.0.1:1025?tls=none", RatePerSecond: 7.5, Conns: 3})
	if err != nil {
		t.Fatal(err)
	}
	if s.bucket.Rate() != 7.5 || cap(s.slots) != 3 {
		t.Errorf("configured: rate %v conns %d", s.bucket.Rate(), cap(s.slots))
	}
	if _, err := NewSender(Config{URL: "smtp://127.0.0.1:1025?tls=none", RatePerSecond: -1}); err == nil {
		t.Error("a negative rate was accepted")
	}
}
