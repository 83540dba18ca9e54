package sendgrid

import "testing"

func TestNewSenderDefaultsAndRate(t *testing.T) {
	s, err := NewSender(Config{APIKey: "SG.x", PostalAddress: "1 Main St"})
	if err != nil {
		t.Fatal(err)
	}
	if s.cfg.APIURL != DefaultAPIURL || s.bucket.Rate() != DefaultRatePerSecond || s.bucket.Burst() != 1 || s.cfg.HTTPClient == nil || s.cfg.Now == nil {
		t.Errorf("defaults: url %q rate %v burst %v", s.cfg.APIURL, s.bucket.Rate(), s.bucket.Burst())
	}
	s, err = NewSender(Config{APIKey: "SG.x", PostalAddress: "1 Main St", RatePerSecond: 7.5, APIURL: "http://127.0.0.1:9/"})
	if err != nil {
		t.Fatal(err)
	}
	if s.bucket.Rate() != 7.5 || s.cfg.APIURL != "http://127.0.0.1:9" {
		t.Errorf("configured: url %q rate %v", s.cfg.APIURL, s.bucket.Rate())
	}
}
