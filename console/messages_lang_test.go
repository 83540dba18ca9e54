package console

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// translatedPrefixes name the message ids that every language has: the
// foundation (layout, sign-in, errors, audit log), the campaign pages, the
// template preview and the pack editor. The customer-success pages' ids
// (contact., accounts., account., risk., suppressions., nav.contacts…) fall
// back to English until they are translated.
var translatedPrefixes = []string{"app.", "skip", "nav.label", "nav.home", "nav.campaigns", "nav.audit", "nav.pack",
	"signed_in_as", "sign_out", "role.", "login.", "auth.", "mail.", "home.", "error.", "audit.",
	"campaigns.", "campaign.", "preview.", "table.", "pack."}

// TestMarketingMessagesInEveryLanguage holds every message of the
// foundation, the campaign pages and the pack editor (translatedPrefixes)
// to every console language, with the same printf verbs in the same order,
// so that a member reading the console in French never meets an English
// heading on these pages.
func TestMarketingMessagesInEveryLanguage(t *testing.T) {
	verbs := regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)
	for _, lang := range Langs {
		if lang == "en" {
			continue
		}
		msgs, ok := catalogue[lang]
		if !ok {
			t.Errorf("no catalogue for %s", lang)
			continue
		}
		for id, en := range catalogue["en"] {
			if !slices.ContainsFunc(translatedPrefixes, func(p string) bool { return strings.HasPrefix(id, p) }) {
				continue
			}
			s, ok := msgs[id]
			if !ok {
				t.Errorf("%s lacks %q (English: %q)", lang, id, en)
				continue
			}
			if s == "" {
				t.Errorf("%s: %q is empty", lang, id)
			}
			if got, want := verbs.FindAllString(s, -1), verbs.FindAllString(en, -1); !slices.Equal(got, want) {
				t.Errorf("%s: %q has verbs %v, English %v", lang, id, got, want)
			}
		}
	}
}
