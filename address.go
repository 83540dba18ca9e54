package outreach

import (
	"fmt"
	"net/mail"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// This file is the one home of what an email address is to outreach: the
// canonical form every address is stored, matched and sent in, the
// characters that make an address a look-alike of another one, and how an
// address is written in a log. Ingest (API and CSV: contacts, account
// owners, team members, suppressions), the API's {email} paths, the
// unsubscribe link and the SendGrid webhook all go through CanonicalEmail.

// emailIDNA converts a domain to its ASCII (IDNA 2008, UTS #46
// non-transitional) form, refusing what a registry would: labels with
// characters outside the STD3 letters/digits/hyphen rule, a hyphen at the
// start or end, invalid right-to-left labels, misplaced joiners, labels
// over 63 bytes.
var emailIDNA = idna.New(
	idna.MapForLookup(),
	idna.Transitional(false),
	idna.BidiRule(),
	idna.CheckHyphens(true),
	idna.CheckJoiners(true),
	idna.StrictDomainName(true),
	idna.VerifyDNSLength(true),
)

// CanonicalEmail checks an email address and returns its canonical form,
// or an error that says what to fix. The canonical form is:
//
//   - trimmed of surrounding white space;
//   - in Unicode NFC, so that "é" typed as one or as two code points is
//     the same address;
//   - with its domain lower-cased and in IDNA ASCII form:
//     "josé@Bücher.example" is "josé@xn--bcher-kva.example".
//
// The local part keeps its case and stays in Unicode (RFC 6531 lets a
// mailbox be UTF-8; it has no ASCII encoding like the domain's). Matching
// still ignores case in the whole address: the store keys contacts and
// suppressions by the lower-cased canonical form, as it always has.
//
// Refused, anywhere in the address: control characters, invisible
// characters (format characters such as zero-width spaces and joiners, the
// soft hyphen, other default-ignorable characters and variation
// selectors, spaces other than surrounding white space), bidirectional
// controls, and invalid UTF-8. Also refused: a domain label, or a local
// part, that mixes scripts (Latin and Cyrillic in "exаmple"), except the
// combinations that writing systems need (Han with Hiragana, Katakana,
// Hangul or Bopomofo, and Latin with those). Each of these only ever makes
// an address look like another one: "id5\u200b@inj.example" would bypass
// the suppression of "id5@inj.example" while reading the same to a person.
func CanonicalEmail(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("%+q is not valid UTF-8", s)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("is required")
	}
	s = norm.NFC.String(s)
	if err := checkRunes(s); err != nil {
		return "", err
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "", fmt.Errorf("%q is not a valid email address", s)
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], s[at+1:]
	if at < 1 || !strings.Contains(domain, ".") {
		return "", fmt.Errorf("%q is not a valid email address (need name@domain.tld)", s)
	}
	ascii, err := emailIDNA.ToASCII(strings.ToLower(domain))
	if err != nil {
		return "", fmt.Errorf("%q does not have a valid domain name: %v", s, err)
	}
	if err := checkScripts(s, "the local part", local); err != nil {
		return "", err
	}
	// Check the Unicode form of every label, also of labels written in
	// punycode ("xn--exmple-4nf" is a mixed-script "exаmple").
	uni, err := emailIDNA.ToUnicode(ascii)
	if err != nil {
		return "", fmt.Errorf("%q does not have a valid domain name: %v", s, err)
	}
	for _, label := range strings.Split(uni, ".") {
		if err := checkScripts(s, "the domain label", label); err != nil {
			return "", err
		}
	}
	return local + "@" + ascii, nil
}

// checkRunes refuses the control, invisible and bidirectional characters
// of CanonicalEmail, naming the first one.
func checkRunes(s string) error {
	for _, r := range s {
		what := ""
		switch {
		case r == ' ':
			continue // mail.ParseAddress refuses it with the usual message
		case unicode.Is(unicode.Bidi_Control, r):
			what = "a bidirectional control character"
		case unicode.IsControl(r):
			what = "a control character"
		case unicode.In(r, unicode.Zs, unicode.Zl, unicode.Zp):
			what = "a space"
		case !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S),
			unicode.In(r, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector),
			r == '\u2800', r == utf8.RuneError:
			// Format (Cf: zero-width space, soft hyphen, word joiner…),
			// private use, unassigned, fillers and blanks that print as
			// nothing.
			what = "an invisible character"
		default:
			continue
		}
		return fmt.Errorf("%+q contains %s (U+%04X), which makes it look like another address: retype it", s, what, r)
	}
	return nil
}

// scriptOrder lists the scripts most addresses are written in first, so
// that finding a letter's script rarely scans all of unicode.Scripts.
var scriptOrder = func() []string {
	first := []string{"Latin", "Common", "Inherited", "Cyrillic", "Greek", "Han", "Arabic", "Hebrew",
		"Hiragana", "Katakana", "Hangul", "Devanagari", "Thai"}
	seen := map[string]bool{}
	for _, n := range first {
		seen[n] = true
	}
	var rest []string
	for n := range unicode.Scripts {
		if !seen[n] {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	return append(first, rest...)
}()

// scriptOf returns the Unicode script of r, or "" when it has none.
func scriptOf(r rune) string {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' {
			return "Latin"
		}
		return "Common"
	}
	for _, n := range scriptOrder {
		if unicode.Is(unicode.Scripts[n], r) {
			return n
		}
	}
	return ""
}

// cjkSets are the script combinations that one writing system needs
// (Unicode TS #39's "highly restrictive" level).
var cjkSets = []map[string]bool{
	{"Latin": true, "Han": true, "Hiragana": true, "Katakana": true},
	{"Latin": true, "Han": true, "Hangul": true},
	{"Latin": true, "Han": true, "Bopomofo": true},
}

// checkScripts refuses a part of address addr (what names it) whose
// letters come from more than one script.
func checkScripts(addr, what, part string) error {
	scripts := map[string]bool{}
	for _, r := range part {
		if sc := scriptOf(r); sc != "Common" && sc != "Inherited" {
			scripts[sc] = true
		}
	}
	if len(scripts) < 2 {
		return nil
	}
	for _, set := range cjkSets {
		ok := true
		for sc := range scripts {
			ok = ok && set[sc]
		}
		if ok {
			return nil
		}
	}
	names := make([]string, 0, len(scripts))
	for sc := range scripts {
		names = append(names, sc)
	}
	sort.Strings(names)
	return fmt.Errorf("%+q: %s %+q mixes %s letters, which makes it look like another address: retype it",
		addr, what, part, strings.Join(names, " and "))
}

// RedactEmail returns the form of an address that logs may carry: the
// first character of the local part and the domain ("a…@example.com").
// Text that has no '@' becomes "…".
func RedactEmail(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return "…"
	}
	first := ""
	if r, size := utf8.DecodeRuneInString(addr); at > 0 && r != utf8.RuneError {
		first = addr[:size]
	}
	return first + "…" + addr[at:]
}

// emailInText matches what looks like an email address inside free text
// (error messages, headers): generous, since a false match only shortens
// the text it is logged in.
var emailInText = regexp.MustCompile(`[\p{L}\p{N}\p{M}._%+\-!#$&'*/=?^{|}~` + "`" + `]+@[\p{L}\p{N}\p{M}\-]+(\.[\p{L}\p{N}\p{M}\-]+)+`)

// RedactEmails returns text with every address in it redacted as
// RedactEmail does.
func RedactEmails(text string) string {
	if !strings.Contains(text, "@") {
		return text
	}
	return emailInText.ReplaceAllStringFunc(text, RedactEmail)
}
