package httpapi

import (
	"fmt"
	"net/http"

	"github.com/outreach-dev/outreach/links"
)

// logPath returns the path of r as logs may carry it (links.RedactPath of
// the escaped path: tokens and email addresses redacted). The query is
// never logged.
func logPath(r *http.Request) string {
	return redactPath(r.URL.EscapedPath())
}

// redactPath redacts one request path for logPath.
func redactPath(p string) string { return links.RedactPath(p) }

// logError returns err's message as logs may carry it: addresses and
// tokens redacted (a store or sender error can quote the address it was
// about).
func logError(err error) string {
	if err == nil {
		return ""
	}
	return links.RedactText(err.Error())
}

// logPanic is a recovered panic's value for a log line, redacted like an
// error: a panic can quote what it was given.
func logPanic(p any) string {
	return links.RedactText(fmt.Sprint(p))
}
