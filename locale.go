package outreach

import (
	"sort"
	"strings"

	"golang.org/x/text/language"
)

// FallbackLocale is the last step of every locale fallback: templates must
// have it, and so do the public pages.
const FallbackLocale = "en"

// MatchLocale returns the locale of available that a person whose locale
// is locale reads: the locale itself, then its parents with subtags dropped
// from the right (pt-BR -> pt, zh-Hant-TW -> zh-Hant -> zh), then a
// regional variant of the same language (es-AR -> es-MX when only es-MX
// exists; a script variant such as zh-Hant is never taken for zh). ok is
// false when none matches. Emails (templates) and the public pages follow
// this one rule, so that a reader gets both in the same language.
// available holds canonical BCP 47 tags.
func MatchLocale(locale string, available []string) (match string, ok bool) {
	has := make(map[string]bool, len(available))
	for _, a := range available {
		has[strings.ToLower(a)] = true
	}
	tag := CanonicalLocale(locale)
	for c := tag; c != ""; c = parentLocale(c) {
		if has[strings.ToLower(c)] {
			return canonicalIn(c, available), true
		}
	}
	if base := BaseLanguage(tag); base != "" {
		var regional []string
		for _, l := range available {
			if strings.EqualFold(BaseLanguage(l), base) && isRegional(l) {
				regional = append(regional, l)
			}
		}
		if len(regional) > 0 {
			sort.Strings(regional)
			return regional[0], true
		}
	}
	return "", false
}

// ResolveLocale is MatchLocale, falling back to FallbackLocale.
func ResolveLocale(locale string, available []string) string {
	if m, ok := MatchLocale(locale, available); ok {
		return m
	}
	return FallbackLocale
}

// canonicalIn returns the spelling of c in available.
func canonicalIn(c string, available []string) string {
	for _, a := range available {
		if strings.EqualFold(a, c) {
			return a
		}
	}
	return c
}

// CanonicalLocale returns the canonical form of a BCP 47 tag ("pt_br" ->
// "pt-BR"), or "" when it is not one.
func CanonicalLocale(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	t, err := language.Parse(s)
	if err != nil || t == language.Und {
		return ""
	}
	return t.String()
}

// parentLocale drops the last subtag: "pt-BR" -> "pt", "pt" -> "".
func parentLocale(s string) string {
	i := strings.LastIndexByte(s, '-')
	if i < 0 {
		return ""
	}
	return s[:i]
}

// isRegional reports whether a canonical tag is a language and a region
// only: "pt-BR", "es-419".
func isRegional(s string) bool {
	_, region, ok := strings.Cut(s, "-")
	if !ok || strings.Contains(region, "-") {
		return false
	}
	return len(region) == 2 || (len(region) == 3 && region[0] >= '0' && region[0] <= '9')
}

// BaseLanguage returns the language subtag of a canonical tag: "pt-BR" -> "pt".
func BaseLanguage(s string) string {
	base, _, _ := strings.Cut(s, "-")
	return base
}
