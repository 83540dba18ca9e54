package links

import (
	"net/url"
	"strings"

	"github.com/outreach-dev/outreach"
)

// linkPrefixes are the first path segments of the signed public links
// (/s/{token}, /u/{token}, /p/{token}, the alert's /c/{token}): whatever
// follows is a token, or a guess at one, and is never logged in full.
var linkPrefixes = map[string]bool{"s": true, "u": true, "p": true, "c": true}

// RedactPath returns a request path as logs may carry it: signed tokens
// and console sign-in tokens cut to their first characters ("/u/cAp0…",
// "/console/auth/yFN0…") and email addresses to their first character
// and domain ("/console/contacts/a…@example.com"). PRODUCT.md: no log
// line carries an email address or a signed token in full. Every server
// that logs a request path (httpapi, the console) logs this.
//
// p is the escaped path (URL.EscapedPath): a segment is what the router
// matched one {wildcard} against, so an address whose local part holds a
// "/" (sent as %2F) is one segment, redacted whole. Each segment is
// unescaped before it is looked at (an "@" may come as %40).
func RedactPath(p string) string {
	segs := strings.Split(p, "/")
	words := make([]string, len(segs))
	for i, s := range segs {
		words[i] = s
		if w, err := url.PathUnescape(s); err == nil {
			words[i] = w
		}
	}
	for i, w := range words {
		switch {
		case i == 2 && linkPrefixes[words[1]]:
			segs[i] = Redact(w)
		case i == 3 && words[1] == "console" && words[2] == "auth":
			// A console sign-in token is a password for 15 minutes.
			segs[i] = Redact(w)
		case strings.Contains(w, "@"):
			segs[i] = outreach.RedactEmail(w)
		case RedactTokens(w) != w:
			segs[i] = RedactTokens(w)
		}
	}
	return strings.Join(segs, "/")
}

// RedactText returns free text (an error's message) as logs may carry
// it: email addresses and signed tokens redacted (a store or sender error
// can quote the address it was about).
func RedactText(s string) string {
	return RedactTokens(outreach.RedactEmails(s))
}
