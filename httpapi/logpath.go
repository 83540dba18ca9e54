package httpapi

import (
	"net/http"
	"strings"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/links"
)

// linkPrefixes are the first path segments of the signed public links
// (/s/{token}, /u/{token}, /p/{token}, the alert's /c/{token}): whatever
// follows is a token, or a guess at one, and is never logged in full.
var linkPrefixes = map[string]bool{"s": true, "u": true, "p": true, "c": true}

// logPath returns the path of r as logs may carry it: signed tokens cut to
// their first characters ("/u/cAp0…") and email addresses to their first
// character and domain ("/api/v1/contacts/a…@example.com/timeline").
// PRODUCT.md: no log line carries an email address or a signed token in
// full. The query is never logged.
func logPath(r *http.Request) string {
	return redactPath(r.URL.Path)
}

// redactPath redacts one request path for logPath.
func redactPath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		switch {
		case i == 2 && linkPrefixes[segs[1]]:
			segs[i] = links.Redact(s)
		case i == 3 && segs[1] == "console" && segs[2] == "auth":
			// A console sign-in token is a password for 15 minutes.
			segs[i] = links.Redact(s)
		case strings.Contains(s, "@"):
			segs[i] = outreach.RedactEmail(s)
		default:
			segs[i] = links.RedactTokens(s)
		}
	}
	return strings.Join(segs, "/")
}

// logError returns err's message as logs may carry it: addresses and
// tokens redacted (a store or sender error can quote the address it was
// about).
func logError(err error) string {
	if err == nil {
		return ""
	}
	return links.RedactTokens(outreach.RedactEmails(err.Error()))
}
