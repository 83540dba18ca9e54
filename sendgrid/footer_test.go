package sendgrid_test

import (
	"testing"

	"github.com/outreach-dev/outreach/sendgrid"
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
		if got := sendgrid.HTMLWithFooter(tt.in, addr); got != tt.want {
			t.Errorf("HTMLWithFooter(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	text := []struct{ in, want string }{
		{"Hi\n\n", "Hi\n\n--\nVendor & Co\n1 Main St\n"},
		{"Hi\n--\nVendor & Co\n1 Main St\n", "Hi\n--\nVendor & Co\n1 Main St\n"},
	}
	for _, tt := range text {
		if got := sendgrid.TextWithFooter(tt.in, addr); got != tt.want {
			t.Errorf("TextWithFooter(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
