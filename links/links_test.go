package links

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSignVerify(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	old, _ := NewSigner("old-key-0123456789abcdef")
	rotated, _ := NewSigner("new-key-0123456789abcdef, old-key-0123456789abcdef")
	other, _ := NewSigner("another-key-0123456789ab")

	survey := old.Sign(KindSurvey, "d1", now.Add(SurveyValidity))
	unsub := rotated.Sign(KindUnsubscribe, "jane@example.com", time.Time{})

	tests := []struct {
		name   string
		signer *Signer
		token  string
		kind   string
		at     time.Time
		want   error
		sub    string
	}{
		{"fresh survey", old, survey, KindSurvey, now, nil, "d1"},
		{"old key still verifies after rotation", rotated, survey, KindSurvey, now, nil, "d1"},
		{"new key signs", rotated, unsub, KindUnsubscribe, now, nil, "jane@example.com"},
		{"unsubscribe never expires", rotated, unsub, KindUnsubscribe, now.AddDate(20, 0, 0), nil, "jane@example.com"},
		{"survey expires after 30 days", old, survey, KindSurvey, now.Add(SurveyValidity), ErrExpired, "d1"},
		{"unknown key", other, survey, KindSurvey, now, ErrSignature, ""},
		{"key removed", old, unsub, KindUnsubscribe, now, ErrSignature, ""},
		{"wrong kind", old, survey, KindUnsubscribe, now, ErrKind, ""},
		{"tampered payload", old, tamper(survey), KindSurvey, now, ErrSignature, ""},
		{"garbage", old, "not-a-token", KindSurvey, now, ErrMalformed, ""},
		{"bad base64", old, "!!.??", KindSurvey, now, ErrMalformed, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.signer.Verify(tt.token, tt.kind, tt.at)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify error = %v, want %v", err, tt.want)
			}
			if tt.want == nil && got.Subject != tt.sub {
				t.Fatalf("subject = %q, want %q", got.Subject, tt.sub)
			}
		})
	}
}

func tamper(tok string) string {
	p, sig, _ := strings.Cut(tok, ".")
	payload, _ := enc.DecodeString(p)
	payload[len(payload)-1] ^= 1
	return enc.EncodeToString(payload) + "." + sig
}

func TestNewSignerRejectsShortKeys(t *testing.T) {
	if _, err := NewSigner("short"); err == nil || !strings.Contains(err.Error(), "OUTREACH_SECRET") {
		t.Fatalf("want an error naming OUTREACH_SECRET, got %v", err)
	}
	if _, err := NewSigner("0123456789abcdef0123,"); err == nil {
		t.Fatal("an empty second key must be rejected")
	}
}
