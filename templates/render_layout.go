package templates

import (
	"fmt"
	"io"
	"strings"
)

// The layout and its footer are html/template templates (render.go), but
// executing them was nearly half of a Render. Their text never changes, so
// it is cut once into skeletons: each is executed with marker values, which
// every escaper leaves as they are, and split at the markers. A Render then
// writes the fixed pieces and, between them, its values escaped exactly as
// html/template escapes strings in those places (render_layout_test.go
// compares the two on many values).

// slot is a value of page placed in a skeleton, with how it is escaped.
type slot int

const (
	slotLang slot = iota
	slotSubject
	slotBody
	slotPostal
	slotSentTo
	slotUnsubURL
	slotUnsubLabel
	slotCount
)

// slotMarkers are the marker values of the slots: letters only, so that no
// escaper changes them, and unlike any text of the layout.
var slotMarkers = [slotCount]string{"QzxLangQzx", "QzxSubjectQzx", "QzxBodyQzx", "QzxPostalQzx",
	"QzxSentToQzx", "QzxUnsubURLQzx", "QzxUnsubLabelQzx"}

// skeleton is a layout cut at its values: fixed[0] value[0] fixed[1] ...
type skeleton struct {
	fixed []string
	slots []slot
}

// skeletons are the layout (whole) and the footer alone, for each
// combination of the optional SentTo and UnsubURL.
type skeletons struct {
	whole, footer [2][2]skeleton // [SentTo set][UnsubURL set]
}

var layoutSkeletons = mustCutLayout()

// mustCutLayout cuts layout into skeletons; the layout is a constant of the
// package, so an error is a programming error.
func mustCutLayout() *skeletons {
	s := &skeletons{}
	for sent := range 2 {
		for unsub := range 2 {
			p := page{}
			p.Lang, p.Subject, p.Postal, p.UnsubLabel = slotMarkers[slotLang], slotMarkers[slotSubject], slotMarkers[slotPostal], slotMarkers[slotUnsubLabel]
			p.Body = "QzxBodyQzx"
			if sent == 1 {
				p.SentTo = slotMarkers[slotSentTo]
			}
			if unsub == 1 {
				p.UnsubURL = slotMarkers[slotUnsubURL]
			}
			var whole, footer strings.Builder
			if err := layout.Execute(&whole, p); err != nil {
				panic(fmt.Sprintf("templates: layout: %v", err))
			}
			if err := layout.ExecuteTemplate(&footer, "footer", p); err != nil {
				panic(fmt.Sprintf("templates: footer: %v", err))
			}
			s.whole[sent][unsub] = cut(whole.String())
			s.footer[sent][unsub] = cut(footer.String())
		}
	}
	return s
}

// cut splits an execution with marker values at the markers.
func cut(out string) skeleton {
	var sk skeleton
	for {
		at, which := -1, slot(0)
		for k, m := range slotMarkers {
			if i := strings.Index(out, m); i >= 0 && (at < 0 || i < at) {
				at, which = i, slot(k)
			}
		}
		if at < 0 {
			sk.fixed = append(sk.fixed, out)
			return sk
		}
		sk.fixed = append(sk.fixed, out[:at])
		sk.slots = append(sk.slots, which)
		out = out[at+len(slotMarkers[which]):]
	}
}

// write writes the skeleton with p's values to w.
func (sk *skeleton) write(w io.StringWriter, p *page) {
	for i, s := range sk.slots {
		w.WriteString(sk.fixed[i])
		switch s {
		case slotLang:
			writeHTMLEscaped(w, p.Lang)
		case slotSubject:
			writeHTMLEscaped(w, p.Subject)
		case slotBody:
			w.WriteString(string(p.Body)) // already HTML
		case slotPostal:
			writeHTMLEscaped(w, p.Postal)
		case slotSentTo:
			writeHTMLEscaped(w, p.SentTo)
		case slotUnsubURL:
			writeHTMLEscaped(w, normalizeURL(filterURL(p.UnsubURL)))
		case slotUnsubLabel:
			writeHTMLEscaped(w, p.UnsubLabel)
		}
	}
	w.WriteString(sk.fixed[len(sk.fixed)-1])
}

// pick returns the skeleton of whole layout or footer for p.
func (s *skeletons) pick(whole bool, p *page) *skeleton {
	sent, unsub := 0, 0
	if p.SentTo != "" {
		sent = 1
	}
	if p.UnsubURL != "" {
		unsub = 1
	}
	if whole {
		return &s.whole[sent][unsub]
	}
	return &s.footer[sent][unsub]
}

// htmlReplacements is html/template's escaping of a string in HTML text,
// quoted attributes and RCDATA. Every other byte, including those of
// multi-byte and invalid UTF-8, is written as it is.
var htmlReplacements = [256]string{
	0:    "\uFFFD",
	'"':  "&#34;",
	'&':  "&amp;",
	'\'': "&#39;",
	'+':  "&#43;",
	'<':  "&lt;",
	'>':  "&gt;",
}

// writeHTMLEscaped writes s escaped as html/template escapes a string in
// HTML text, a quoted attribute or RCDATA.
func writeHTMLEscaped(w io.StringWriter, s string) {
	written := 0
	for i := 0; i < len(s); i++ {
		if r := htmlReplacements[s[i]]; r != "" {
			w.WriteString(s[written:i])
			w.WriteString(r)
			written = i + 1
		}
	}
	w.WriteString(s[written:])
}

// filterURL is html/template's check of a URL attribute value: a relative
// URL or one with an http, https or mailto scheme is kept; anything else
// becomes "#ZgotmplZ".
func filterURL(s string) string {
	if scheme, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(scheme, "/") {
		if !strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") && !strings.EqualFold(scheme, "mailto") {
			return "#ZgotmplZ"
		}
	}
	return s
}

// normalizeURL is html/template's normalisation of a URL attribute value:
// bytes other than unreserved and reserved URL characters are
// percent-encoded; valid %XX escapes are kept.
func normalizeURL(s string) string {
	const hex = "0123456789abcdef"
	var b []byte
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			continue
		case strings.IndexByte("!#$&*+,/:;=?@[]-._~", c) >= 0:
			continue
		case c == '%' && i+2 < len(s) && isHexDigit(s[i+1]) && isHexDigit(s[i+2]):
			continue
		}
		if b == nil {
			b = make([]byte, 0, len(s)+16)
		}
		b = append(b, s[written:i]...)
		b = append(b, '%', hex[c>>4], hex[c&15])
		written = i + 1
	}
	if b == nil {
		return s
	}
	return string(append(b, s[written:]...))
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
