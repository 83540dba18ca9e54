package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestLoggerRedacts: whatever a log call passes, serve's logger writes no
// email address or signed token in full, in the message, a string or an
// error.
func TestLoggerRedacts(t *testing.T) {
	var buf bytes.Buffer
	const tok = "cAp0ZDVidzAKYWNtZQ.PmWRLGx76FQpquLF7wy1mw-CfkXmHexcy8Fe0AdDu4U"
	newLogger(&buf).Error("send to bob@example.com failed",
		"err", errors.New("550 <bob@example.com>: no such user"), "link", "https://x.example/u/"+tok)
	out := buf.String()
	if strings.Contains(out, "bob@example.com") || strings.Contains(out, tok[4:]) {
		t.Errorf("log line holds an address or a token: %s", out)
	}
	if !strings.Contains(out, "b…@example.com") || !strings.Contains(out, "/u/cAp0…") {
		t.Errorf("log line lacks the redacted forms: %s", out)
	}
}
