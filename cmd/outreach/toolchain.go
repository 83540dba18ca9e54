package main

import (
	"fmt"
	"strconv"
	"strings"
)

// safeGo is the oldest Go release of the 1.26 line whose standard library
// has no known reachable advisory for this program (net/http, net/textproto,
// html/template, crypto/x509 and crypto/tls were fixed in go1.26.9 and
// go1.26.10). go.mod's toolchain line names it, and scripts/release-build
// builds with it; README "Go versions" says the same.
const safeGo = "go1.26.10"

// toolchainWarning returns a warning when the binary was built with a Go
// release older than safeGo, and "" otherwise (a newer minor release, or a
// development build that does not parse, gets no warning).
func toolchainWarning(version string) string {
	have, ok := parseGoVersion(version)
	if !ok {
		return ""
	}
	want, _ := parseGoVersion(safeGo)
	for i := range have {
		if have[i] != want[i] {
			if have[i] > want[i] {
				return ""
			}
			return fmt.Sprintf("built with %s, which has known standard-library vulnerabilities: build releases with %s or newer (scripts/release-build)", version, safeGo)
		}
	}
	return ""
}

// parseGoVersion reads "go1.26.8" (also "go1.27" and "go1.27rc1", as x.y.0)
// into its three numbers.
func parseGoVersion(v string) ([3]int, bool) {
	var out [3]int
	rest, ok := strings.CutPrefix(v, "go")
	if !ok {
		return out, false
	}
	if i := strings.IndexAny(rest, "rcbeta -+"); i >= 0 {
		rest = rest[:i]
	}
	parts := strings.Split(rest, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return out, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return out, false
		}
		out[i] = n
	}
	return out, true
}
