package templates

import (
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/outreach-dev/outreach"
)

// Resolve returns the locale of template name actually used for a requested
// locale: the locale itself, then its parents with subtags dropped from the
// right (pt-BR -> pt, zh-Hant-TW -> zh-Hant -> zh), then a regional variant
// of the same language (es-AR -> es-MX when only es-MX exists; a script
// variant such as zh-Hant is never taken for zh), then en. It returns ""
// when the template does not exist.
func (s *Set) Resolve(name, locale string) string {
	if loc, ok := s.resolved.get(name, locale); ok {
		return loc
	}
	loc := s.resolve(name, locale)
	if loc != "" {
		s.resolved.put(name, locale, loc)
	}
	return loc
}

// resolve is Resolve without the cache: parsing a BCP 47 tag costs more
// than the rest of a render's bookkeeping. The rule itself is
// outreach.ResolveLocale, which the public pages follow too.
func (s *Set) resolve(name, locale string) string {
	byLocale, ok := s.byName[name]
	if !ok {
		return ""
	}
	available := make([]string, 0, len(byLocale))
	for l := range byLocale {
		available = append(available, l)
	}
	return outreach.ResolveLocale(locale, available)
}

// lang holds what the renderer writes itself in one language: dates,
// greetings, scale labels and the footer.
type lang struct {
	months     [12]string
	date       func(l *lang, t time.Time) string
	plural     func(n int) int // index of the plural form for n
	nameless   string          // FirstName when the contact has no name
	hello      string          // greeting with a name, %s = first name
	helloAnon  string          // greeting without a name
	notLikely  string          // left end of the 0..10 scale
	veryLikely string          // right end of the 0..10 scale
	scaleHint  string          // text legend: %d/%s pairs for 0 and 10
	sentTo     string          // %s = recipient address
	unsubLabel string          // the unsubscribe link's text
	colon      string          // ":" (French: no-break space before it)
	firstGiven bool            // false: the given name is the last word (Hungarian order)
}

func dayMonthYear(l *lang, t time.Time) string {
	return fmt.Sprintf("%d %s %d", t.Day(), l.months[t.Month()-1], t.Year())
}

func pluralOneOther(n int) int {
	if n == 1 {
		return 0
	}
	return 1
}

// pluralZeroOneOther is CLDR's rule for French and Portuguese: 0 and 1 are
// singular.
func pluralZeroOneOther(n int) int {
	if n == 0 || n == 1 {
		return 0
	}
	return 1
}

// pluralRussian is CLDR's one/few/many rule: 1, 21 год; 2-4, 22 года; 5-20 лет.
func pluralRussian(n int) int {
	switch m10, m100 := n%10, n%100; {
	case m10 == 1 && m100 != 11:
		return 0
	case m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14):
		return 1
	}
	return 2
}

// pluralNone is for languages whose nouns do not change after a numeral
// (Hungarian "3 év", Indonesian "3 tahun").
func pluralNone(int) int { return 0 }

// langs is keyed by base language. It is read-only.
var langs = map[string]*lang{
	"en": {
		months:   [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
		date:     dayMonthYear,
		plural:   pluralOneOther,
		nameless: "there",
		hello:    "Hi %s,", helloAnon: "Hi there,",
		notLikely: "Not at all likely", veryLikely: "Extremely likely",
		scaleHint: "(%d = %s, %d = %s)",
		sentTo:    "This email was sent to %s.", unsubLabel: "Unsubscribe",
		firstGiven: true,
	},
	"pt": {
		months: [12]string{"janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"},
		date: func(l *lang, t time.Time) string {
			return fmt.Sprintf("%d de %s de %d", t.Day(), l.months[t.Month()-1], t.Year())
		},
		plural:   pluralZeroOneOther,
		nameless: "cliente",
		hello:    "Olá, %s!", helloAnon: "Olá!",
		notLikely: "Nada provável", veryLikely: "Muito provável",
		scaleHint: "(%d = %s, %d = %s)",
		sentTo:    "Este e-mail foi enviado para %s.", unsubLabel: "Não quero receber mais estes e-mails",
		firstGiven: true,
	},
	"fr": {
		months: [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
		date: func(l *lang, t time.Time) string {
			if t.Day() == 1 {
				return fmt.Sprintf("1er %s %d", l.months[t.Month()-1], t.Year())
			}
			return dayMonthYear(l, t)
		},
		plural:   pluralZeroOneOther,
		nameless: "Madame, Monsieur",
		hello:    "Bonjour %s,", helloAnon: "Bonjour,",
		notLikely: "Pas du tout probable", veryLikely: "Très probable",
		scaleHint: "(%d = %s, %d = %s)",
		sentTo:    "Cet e-mail a été envoyé à %s.", unsubLabel: "Se désinscrire", colon: "\u00a0:",
		firstGiven: true,
	},
	"ru": {
		// Genitive: "31 декабря 2026".
		months:   [12]string{"января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"},
		date:     dayMonthYear,
		plural:   pluralRussian,
		nameless: "коллега",
		hello:    "Здравствуйте, %s!", helloAnon: "Здравствуйте!",
		notLikely: "Точно не порекомендую", veryLikely: "Обязательно порекомендую",
		scaleHint: "(%d — %s, %d — %s)",
		sentTo:    "Это письмо отправлено на адрес %s.", unsubLabel: "Отписаться от рассылки",
		firstGiven: true,
	},
	"hu": {
		months: [12]string{"január", "február", "március", "április", "május", "június", "július", "augusztus", "szeptember", "október", "november", "december"},
		date: func(l *lang, t time.Time) string {
			return fmt.Sprintf("%d. %s %d.", t.Year(), l.months[t.Month()-1], t.Day())
		},
		plural:   pluralNone,
		nameless: "Ügyfelünk",
		hello:    "Kedves %s!", helloAnon: "Kedves Ügyfelünk!",
		notLikely: "Egyáltalán nem valószínű", veryLikely: "Nagyon valószínű",
		scaleHint: "(%d = %s, %d = %s)",
		sentTo:    "Ezt az e-mailt a következő címre küldtük: %s.", unsubLabel: "Leiratkozás",
		firstGiven: false,
	},
	"id": {
		months:   [12]string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"},
		date:     dayMonthYear,
		plural:   pluralNone,
		nameless: "Kak",
		hello:    "Halo, Kak %s!", helloAnon: "Halo, Kak!",
		notLikely: "Sangat tidak mungkin", veryLikely: "Sangat mungkin",
		scaleHint: "(%d = %s, %d = %s)",
		sentTo:    "Email ini dikirim ke %s.", unsubLabel: "Berhenti berlangganan",
		firstGiven: true,
	},
}

// langFor returns the language of a canonical locale (one Resolve
// returned), English when it has none.
func langFor(locale string) *lang {
	if l, ok := langs[outreach.BaseLanguage(locale)]; ok {
		return l
	}
	return langs[FallbackLocale]
}

// firstNameOf picks the given name out of a full name: the first word, or
// the last in languages that write the family name first ("Kovács Anna"),
// once titles and forms of address are dropped from both ends ("Dr. Maria
// da Silva" -> "Maria", "dr. Kovács Anna" -> "Anna"). A name made only of
// titles has no given name.
func (l *lang) firstNameOf(name string) string {
	words := strings.Fields(name)
	for len(words) > 0 && isHonorific(words[0]) {
		words = words[1:]
	}
	for len(words) > 0 && isHonorific(words[len(words)-1]) {
		words = words[:len(words)-1]
	}
	if len(words) == 0 {
		return ""
	}
	if l.firstGiven || !latinName(words) {
		return words[0]
	}
	return words[len(words)-1]
}

// latinName reports whether a name is written in the Latin script. The
// family-name-first order of a language (Hungarian) is that of names in
// its own script: "Kovács Anna" greets Anna, but "Анна Иванова", written
// in the order of Cyrillic names, greets Анна, not her surname.
func latinName(words []string) bool {
	for _, w := range words {
		for _, r := range w {
			if unicode.IsLetter(r) && !unicode.Is(unicode.Latin, r) {
				return false
			}
		}
	}
	return true
}

// isHonorific reports whether a word of a name is a title or a form of
// address rather than a name, in any case, with or without its dots.
func isHonorific(word string) bool {
	return honorifics[strings.ToLower(strings.ReplaceAll(word, ".", ""))]
}

// honorifics are titles written before (or, for degrees and generations,
// after) a name, lower-cased without dots. Words that are also given names
// somewhere are left out: Don, Dom, Dona (Spanish and Portuguese), Sig
// (Italian, Norwegian). It is read-only.
var honorifics = map[string]bool{
	// English
	"mr": true, "mrs": true, "ms": true, "miss": true, "mx": true, "dr": true, "prof": true,
	"sir": true, "dame": true, "rev": true, "revd": true, "phd": true, "jr": true,
	// Portuguese and Spanish
	"sr": true, "sra": true, "srta": true, "srª": true, "dra": true, "drª": true, "profa": true,
	"profª": true, "eng": true, "enga": true, "engª": true, "exmo": true, "exma": true,
	"doña": true, "dña": true, "lic": true, "lcda": true, "lcdo": true,
	// French
	"m": true, "mme": true, "mmes": true, "mlle": true, "me": true, "pr": true,
	// German and Dutch
	"herr": true, "frau": true, "hr": true, "fr": true, "dipl-ing": true, "ing": true,
	"mag": true, "dhr": true, "mevr": true, "mw": true, "ir": true, "drs": true,
	// Italian
	"sigra": true, "signa": true, "dott": true, "dottssa": true, "avv": true,
	// Russian
	"г-н": true, "г-жа": true, "господин": true, "госпожа": true,
	// Hungarian
	"ifj": true, "id": true, "özv": true,
	// Indonesian
	"bapak": true, "bpk": true, "pak": true, "ibu": true, "bu": true, "sdr": true, "sdri": true, "kak": true,
}

// resolvedCache remembers Resolve's answers per template and requested
// locale. Requested locales come from contact data, so it stops growing at
// maxResolved entries (later ones are resolved on every call).
type resolvedCache struct {
	mu sync.RWMutex
	m  map[[2]string]string
}

const maxResolved = 4096

func (c *resolvedCache) get(name, locale string) (string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	loc, ok := c.m[[2]string{name, locale}]
	return loc, ok
}

func (c *resolvedCache) put(name, locale, loc string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[[2]string]string{}
	}
	if len(c.m) < maxResolved {
		c.m[[2]string{name, locale}] = loc
	}
}

// SurveyText returns what template name asks a reader of locale: the
// question and scale labels of the locale Resolve picks (the email's), low
// and high defaulting as in npsScale. ok is false when the template does
// not exist or that locale defines no question.
func (s *Set) SurveyText(name, locale string) (outreach.SurveyText, bool) {
	loc := s.Resolve(name, locale)
	e, ok := s.byName[name][loc]
	if !ok || e.survey.question == "" {
		return outreach.SurveyText{}, false
	}
	r := &renderer{lang: langFor(loc), survey: e.survey}
	low, high := r.scaleEnds()
	return outreach.SurveyText{Locale: loc, Question: e.survey.question, Low: low, High: high}, true
}
