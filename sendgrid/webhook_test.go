package sendgrid_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/sendgrid"
	"github.com/outreach-dev/outreach/sendgrid/sgfake"
)

// The test vector of sendgrid-go's helpers/eventwebhook tests: a request
// SendGrid really signed.
const (
	vectorKey       = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g=="
	vectorSignature = "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM="
	vectorTimestamp = "1600112502"
	vectorBody      = `[{"email":"hello@world.com","event":"dropped","reason":"Bounced Address","sg_event_id":"ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA","sg_message_id":"LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0","smtp-id":"<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>","timestamp":1600112492}]` + "\r\n"
)

func TestVerifySendGridVector(t *testing.T) {
	v, err := sendgrid.NewVerifier(vectorKey)
	if err != nil {
		t.Fatal(err)
	}
	v.Now = func() time.Time { return time.Unix(1600112502+60, 0) }
	h := http.Header{}
	h.Set("X-Twilio-Email-Event-Webhook-Signature", vectorSignature)
	h.Set("X-Twilio-Email-Event-Webhook-Timestamp", vectorTimestamp)
	if err := v.Verify(h, []byte(vectorBody)); err != nil {
		t.Fatalf("SendGrid's own signed request: %v", err)
	}
	tampered := []byte(vectorBody)
	tampered[10] ^= 1
	if err := v.Verify(h, tampered); !errors.Is(err, sendgrid.ErrBadSignature) {
		t.Errorf("tampered body: %v, want ErrBadSignature", err)
	}
	events, err := sendgrid.ParseEvents([]byte(vectorBody))
	if err != nil || len(events) != 1 || events[0].Effect() != sendgrid.EffectSuppressHard || events[0].XMessageID() != "LRzXl_NHStOGhQ4kofSm_A" {
		t.Errorf("events %+v, %v", events, err)
	}
}

func TestVerify(t *testing.T) {
	fake := sgfake.New(t)
	v, err := sendgrid.NewVerifier(fake.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	v.Now = func() time.Time { return now }
	body := []byte(`[{"email":"a@b.example","event":"processed","timestamp":1772442000}]`)
	tests := []struct {
		name   string
		header http.Header
		body   []byte
		want   error
	}{
		{"valid", fake.Sign(body, now), body, nil},
		{"9 minutes old", fake.Sign(body, now.Add(-9*time.Minute)), body, nil},
		{"4 minutes ahead", fake.Sign(body, now.Add(4*time.Minute)), body, nil},
		{"tampered body", fake.Sign(body, now), append([]byte(`[{"x":1},`), body[1:]...), sendgrid.ErrBadSignature},
		{"missing headers", http.Header{}, body, sendgrid.ErrMissingSignature},
		{"missing timestamp", http.Header{sgfake.SignatureHeader: fake.Sign(body, now)[sgfake.SignatureHeader]}, body, sendgrid.ErrMissingSignature},
		{"11 minutes old", fake.Sign(body, now.Add(-11*time.Minute)), body, sendgrid.ErrStaleTimestamp},
		{"6 minutes ahead", fake.Sign(body, now.Add(6*time.Minute)), body, sendgrid.ErrStaleTimestamp},
		{"timestamp swapped", withTimestamp(fake.Sign(body, now.Add(-11*time.Minute)), now), body, sendgrid.ErrBadSignature},
		{"signature not base64", http.Header{sgfake.SignatureHeader: {"!!"}, sgfake.TimestampHeader: {"1772442000"}}, body, sendgrid.ErrBadSignature},
		{"timestamp not a number", withTimestampText(fake.Sign(body, now), "yesterday"), body, sendgrid.ErrBadSignature},
		{"other key", otherFake(t).Sign(body, now), body, sendgrid.ErrBadSignature},
	}
	for _, tt := range tests {
		err := v.Verify(tt.header, tt.body)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: Verify = %v, want %v", tt.name, err, tt.want)
		}
		if err != nil && outreach.ErrorCode(err) != outreach.EUNAUTHORIZED {
			t.Errorf("%s: code %s, want unauthorized (401)", tt.name, outreach.ErrorCode(err))
		}
	}
}

func withTimestamp(h http.Header, ts time.Time) http.Header {
	return withTimestampText(h, strconv.FormatInt(ts.Unix(), 10))
}

func withTimestampText(h http.Header, ts string) http.Header {
	h = h.Clone()
	h.Set(sgfake.TimestampHeader, ts)
	return h
}

func otherFake(t *testing.T) *sgfake.Server { return sgfake.New(t) }

func TestNewVerifierRejectsBadKeys(t *testing.T) {
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(pub)
	for name, key := range map[string]string{
		"not base64":    "not base64!",
		"not a key":     base64.StdEncoding.EncodeToString([]byte("hello")),
		"ed25519 key":   base64.StdEncoding.EncodeToString(der),
		"truncated key": vectorKey[:40],
	} {
		if _, err := sendgrid.NewVerifier(key); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}
