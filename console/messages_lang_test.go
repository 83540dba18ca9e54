package console

import (
	"regexp"
	"slices"
	"testing"
)

// printfVerbs finds the fmt verbs of a message: flags, an optional
// argument index ([1]), width, precision and the verb letter, or %%. A
// space is not taken as a flag, so that the "95 % range" of a message
// that is not a format reads as no verb rather than a "% r".
var printfVerbs = regexp.MustCompile(`%[-+#0]*(\[\d+\])?\d*(\.\d*)?(\[\d+\])?[a-zA-Z%]`)

// TestMessagesInEveryLanguage holds every message of the English
// catalogue — the foundation, the campaign pages, the pack editor and the
// customer-success pages (people, accounts, suppressions, cases, NPS) —
// to every console language, non-empty and with the same printf verbs in
// the same order, so that a member reading the console in French never
// meets an English heading, and a translated format never prints
// %!d(string=…) or drops an argument.
func TestMessagesInEveryLanguage(t *testing.T) {
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
			s, ok := msgs[id]
			if !ok {
				t.Errorf("%s lacks %q (English: %q)", lang, id, en)
				continue
			}
			if s == "" {
				t.Errorf("%s: %q is empty", lang, id)
			}
			if got, want := printfVerbs.FindAllString(s, -1), printfVerbs.FindAllString(en, -1); !slices.Equal(got, want) {
				t.Errorf("%s: %q has verbs %v, English %v", lang, id, got, want)
			}
		}
		for id := range msgs {
			if _, ok := catalogue["en"][id]; !ok {
				t.Errorf("%s has %q, which English lacks (a renamed or removed id)", lang, id)
			}
		}
	}
}

// TestPrintfVerbs pins what the language test compares: argument indexes
// and %% count as verbs, a percent sign before a word does not.
func TestPrintfVerbs(t *testing.T) {
	for s, want := range map[string][]string{
		"NPS %.1f ± %.1f (n = %d)":     {"%.1f", "%.1f", "%d"},
		"%[2]s then %[1]d, 95\u00a0%%": {"%[2]s", "%[1]d", "%%"},
		"95\u00a0% range":              nil,
		"margin (95 %)":                nil,
	} {
		if got := printfVerbs.FindAllString(s, -1); !slices.Equal(got, want) {
			t.Errorf("%q: verbs %v, want %v", s, got, want)
		}
	}
}
