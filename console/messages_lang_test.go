package console

import (
	"regexp"
	"slices"
	"testing"
)

// TestMarketingMessagesInEveryLanguage holds every message of the
// foundation, the campaign pages and the pack editor (every English id but
// the customer-success pages') to every console language, with the same
// printf verbs in the same order, so that a member reading the console in
// French never meets an English heading on these pages.
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
			if _, cs := csMessages[id]; cs {
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
