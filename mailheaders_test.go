package outreach_test

import (
	"testing"

	"github.com/outreach-dev/outreach"
)

func TestFooters(t *testing.T) {
	addr := "Vendor & Co\n1 Main St"
	html := []struct{ in, want string }{
		{"<p>Hi</p>", `<p>Hi</p><p class="postal-address" style="color:#666;font-size:12px">Vendor &amp; Co<br>1 Main St</p>`},
		{"<html><BODY><p>Hi</p></BODY></html>", `<html><BODY><p>Hi</p><p class="postal-address" style="color:#666;font-size:12px">Vendor &amp; Co<br>1 Main St</p></BODY></html>`},
		{"<p>Vendor &amp; Co<br>1 Main St</p>", "<p>Vendor &amp; Co<br>1 Main St</p>"},
		{"<p>Vendor &amp; Co<br />1 Main St</p>", "<p>Vendor &amp; Co<br />1 Main St</p>"},
	}
	for _, tt := range html {
		if got := outreach.HTMLWithFooter(tt.in, addr); got != tt.want {
			t.Errorf("HTMLWithFooter(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	text := []struct{ in, want string }{
		{"Hi\n\n", "Hi\n\n--\nVendor & Co\n1 Main St\n"},
		{"Hi\n--\nVendor & Co\n1 Main St\n", "Hi\n--\nVendor & Co\n1 Main St\n"},
	}
	for _, tt := range text {
		if got := outreach.TextWithFooter(tt.in, addr); got != tt.want {
			t.Errorf("TextWithFooter(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMessageIDIsTheDeliveryIDAtTheFromDomain(t *testing.T) {
	for _, tt := range []struct{ id, from, want string }{
		{"d1", "team@vendor.example", "<d1@vendor.example>"},
		{"d1", "nobody", "<d1@outreach.invalid>"},
		{"d1", "", "<d1@outreach.invalid>"},
	} {
		if got := outreach.MessageID(tt.id, tt.from); got != tt.want {
			t.Errorf("MessageID(%q, %q) = %q, want %q", tt.id, tt.from, got, tt.want)
		}
	}
}

func TestListUnsubscribeOnlyOnNonTransactionalMail(t *testing.T) {
	m := &outreach.Message{Category: outreach.CategorySurvey, UnsubscribeURL: "https://x.example/u/t", UnsubscribeMailto: "u@x.example"}
	if got, ok := m.ListUnsubscribe(); !ok || got != "<https://x.example/u/t>, <mailto:u@x.example>" {
		t.Errorf("survey: %q, %v", got, ok)
	}
	m.Category = outreach.CategoryTransactional
	if got, ok := m.ListUnsubscribe(); ok || got != "" {
		t.Errorf("transactional: %q, %v; want none", got, ok)
	}
}
