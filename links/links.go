// Package links signs and verifies the tokens of the public links in emails:
// survey answers (/s/{token}), unsubscribe (/u/{token}) and the CSM's
// "pause outreach" link (/p/{token}).
//
// A token is base64url(payload) "." base64url(HMAC-SHA256(key, payload)).
// The payload names its kind, the subject (a delivery id, an email address or
// an account external id) and an expiry (0 = never). Several keys may be
// configured: the first signs and all verify, so a key can be rotated without
// breaking links already sent.
package links

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Kinds of token.
const (
	KindSurvey      = "s" // subject: delivery id; expires
	KindUnsubscribe = "u" // subject: email address; never expires
	KindPause       = "p" // subject: account external id; expires
	KindCase        = "c" // subject: "CASE_ID ASSIGNEE" ("I'm on it" in an alert); expires
)

// SurveyValidity is how long a survey link accepts answers.
const SurveyValidity = 30 * 24 * time.Hour

// Errors returned by Verify.
var (
	ErrMalformed = errors.New("link is malformed")
	ErrSignature = errors.New("link signature is not valid")
	ErrExpired   = errors.New("link has expired")
	ErrKind      = errors.New("link is of another kind")
)

// Signer signs with its first key and verifies with all of them.
type Signer struct {
	keys [][]byte
}

// NewSigner returns a Signer for the comma-separated keys of
// OUTREACH_SECRET. Each key must be at least 16 bytes.
func NewSigner(secret string) (*Signer, error) {
	var s Signer
	for i, k := range strings.Split(secret, ",") {
		k = strings.TrimSpace(k)
		if len(k) < 16 {
			return nil, fmt.Errorf("OUTREACH_SECRET: key %d is %d bytes long; use at least 16 random bytes", i+1, len(k))
		}
		s.keys = append(s.keys, []byte(k))
	}
	return &s, nil
}

// Token is a verified token's content.
type Token struct {
	Kind    string
	Subject string
	Expires time.Time // zero = never
}

// Sign returns a token of kind for subject, valid until expires (zero time
// = never).
func (s *Signer) Sign(kind, subject string, expires time.Time) string {
	var exp int64
	if !expires.IsZero() {
		exp = expires.Unix()
	}
	payload := kind + "\n" + strconv.FormatInt(exp, 36) + "\n" + subject
	return enc.EncodeToString([]byte(payload)) + "." + enc.EncodeToString(mac(s.keys[0], payload))
}

// Verify checks a token's signature against every key, its kind and its
// expiry at now.
func (s *Signer) Verify(token, kind string, now time.Time) (*Token, error) {
	p, sig, ok := strings.Cut(token, ".")
	if !ok {
		return nil, ErrMalformed
	}
	payload, err1 := enc.DecodeString(p)
	got, err2 := enc.DecodeString(sig)
	if err1 != nil || err2 != nil {
		return nil, ErrMalformed
	}
	valid := false
	for _, k := range s.keys {
		if hmac.Equal(got, mac(k, string(payload))) {
			valid = true
			break
		}
	}
	if !valid {
		return nil, ErrSignature
	}
	parts := strings.SplitN(string(payload), "\n", 3)
	if len(parts) != 3 {
		return nil, ErrMalformed
	}
	exp, err := strconv.ParseInt(parts[1], 36, 64)
	if err != nil {
		return nil, ErrMalformed
	}
	t := &Token{Kind: parts[0], Subject: parts[2]}
	if exp != 0 {
		t.Expires = time.Unix(exp, 0).UTC()
	}
	if t.Kind != kind {
		return nil, ErrKind
	}
	if !t.Expires.IsZero() && !now.Before(t.Expires) {
		return t, ErrExpired
	}
	return t, nil
}

var enc = base64.RawURLEncoding

func mac(key []byte, payload string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(payload))
	return h.Sum(nil)
}

// RedactedPrefix is how many characters of a token a log keeps: enough to
// tell two links apart in one incident, too few to hold any of the
// subject (the first four encode the kind and the expiry's first digit).
const RedactedPrefix = 4

// Redact returns the form of a token that logs may carry: its first
// characters and "…" ("cAp0…"). A token is a bearer credential (an
// unsubscribe link never expires) and its payload holds the subject, an
// email address for unsubscribe links, only base64-encoded.
func Redact(token string) string {
	if token == "" {
		return ""
	}
	n := 0
	for i := range token {
		if n == RedactedPrefix {
			return token[:i] + "…"
		}
		n++
	}
	return token + "…"
}

// tokenInText matches a signed token inside free text (a path, an email
// subject): a base64url payload, a dot and the 43 characters of an
// HMAC-SHA256.
var tokenInText = regexp.MustCompile(`[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}`)

// RedactTokens returns text with every signed token in it redacted as
// Redact does.
func RedactTokens(text string) string {
	if !strings.Contains(text, ".") {
		return text
	}
	return tokenInText.ReplaceAllStringFunc(text, Redact)
}
