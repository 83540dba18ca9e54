package httpapi

import "strings"

// secretPathPrefixes are paths whose last segment is a secret: a console
// sign-in token is a password for 15 minutes, so the access log keeps only
// its first characters.
var secretPathPrefixes = []string{"/console/auth/"}

// logPath returns the path as the access log writes it.
func logPath(p string) string {
	for _, pre := range secretPathPrefixes {
		if rest, ok := strings.CutPrefix(p, pre); ok && len(rest) > 6 {
			return pre + rest[:6] + "…"
		}
	}
	return p
}
