package outreach

import (
	htmltemplate "html/template"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErasedPerson is what the erasure of a contact (DELETE
// /api/v1/contacts/{email}) must remove from the mail outreach stored
// about them, such as the digests its owners received: their address,
// their name and every comment they typed.
type ErasedPerson struct {
	Email    string
	Name     string
	Comments []string
}

// Erased replaces a person's address and the name that goes with it in
// stored mail; ErasedComment replaces what they typed.
const (
	Erased        = "[erased contact]"
	ErasedComment = "[erased comment]"
)

// minQuotedComment is the length (in bytes) from which a comment is also
// removed wherever its text stands, not only under the person's label.
const minQuotedComment = 16

// escapeHTML escapes s as html/template does in HTML text, which is how
// an HTML body holds it.
var escapeHTML = func() func(string) string {
	t := htmltemplate.Must(htmltemplate.New("").Parse(`{{.}}`))
	return func(s string) string {
		var b strings.Builder
		if err := t.Execute(&b, s); err != nil {
			return s
		}
		return b.String()
	}
}()

// Redact returns body (a plain-text or an HTML email) with p's data
// replaced: the comment under each item that holds p's address (however
// the comment read then: it may have changed since), the "Name <email>"
// label (the only place a digest names a person), each comment of at
// least minQuotedComment bytes in its setting (quoted as PlainQuote does,
// in quotes as digests did before, or HTML-escaped in “”), then the
// address wherever it is left (in a bounce reason, say). Forms are bound
// to their setting so that a short comment ("ok") or a name ("Ana") is
// not removed from the rest of the email.
func (p ErasedPerson) Redact(body string) string {
	email := strings.TrimSpace(p.Email)
	name := strings.TrimSpace(p.Name)
	var r []string
	if name != "" && email != "" {
		for _, l := range []string{name + " <" + email + ">", PlainLine(name) + " <" + email + ">"} {
			r = append(r, l, Erased, escapeHTML(l), Erased)
		}
	}
	for _, c := range p.Comments {
		// A short comment ("ok", "Love it") identifies no one and may be
		// someone else's too: it goes only where it follows the person's
		// label (redactTextComments, redactHTMLComments).
		if len(strings.TrimSpace(c)) < minQuotedComment {
			continue
		}
		r = append(r, PlainQuote(c), QuotePrefix+ErasedComment,
			`"`+c+`"`, `"`+ErasedComment+`"`,
			"“"+escapeHTML(c)+"”", "“"+ErasedComment+"”")
	}
	// strings.Replacer prefers, at each position, the first pair given; put
	// the longest forms first.
	pairs := make([][2]string, 0, len(r)/2)
	for i := 0; i+1 < len(r); i += 2 {
		pairs = append(pairs, [2]string{r[i], r[i+1]})
	}
	sort.SliceStable(pairs, func(i, j int) bool { return len(pairs[i][0]) > len(pairs[j][0]) })
	r = r[:0]
	for _, pr := range pairs {
		r = append(r, pr[0], pr[1])
	}
	if email != "" {
		body = redactHTMLComments(redactTextComments(body, email), escapeHTML(email))
	}
	if len(r) > 0 {
		body = strings.NewReplacer(r...).Replace(body)
	}
	if email != "" {
		body = replaceAddr(replaceAddr(body, email, Erased), escapeHTML(email), Erased)
	}
	return body
}

// indexAddr returns the index of the first occurrence of addr in s at or
// after from that is the whole address, not part of a longer one ("ana@x.io"
// in "hana@x.io" or "ana@x.io.br"), or -1.
func indexAddr(s, addr string, from int) int {
	for from <= len(s) {
		i := strings.Index(s[from:], addr)
		if i < 0 {
			return -1
		}
		i += from
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		rest := s[i+len(addr):]
		after, size := utf8.DecodeRuneInString(rest)
		next, _ := utf8.DecodeRuneInString(rest[min(size, len(rest)):])
		longer := i > 0 && (isAddrRune(before) || strings.ContainsRune("._%+-!#$&'*/=?^`{|}~", before)) ||
			isAddrRune(after) || after == '-' || after == '.' && isAddrRune(next)
		if !longer {
			return i
		}
		from = i + 1
	}
	return -1
}

func isAddrRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// replaceAddr replaces every whole occurrence of addr in s (indexAddr).
func replaceAddr(s, addr, with string) string {
	var b strings.Builder
	for {
		i := indexAddr(s, addr, 0)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(with)
		s = s[i+len(addr):]
	}
}

// redactTextComments replaces the comment under each line of a plain-text
// body that holds email (a digest's "- [3] Name <email>, …" line): the
// lines quoted with QuotePrefix that follow, or a comment in quotes as
// digests wrote them before. This also removes a comment the person has
// changed since the digest was sent, which no longer matches what is
// stored.
func redactTextComments(body, email string) string {
	if indexAddr(body, email, 0) < 0 {
		return body
	}
	lines := strings.Split(body, "\n")
	out := lines[:0:0]
	for i := 0; i < len(lines); i++ {
		out = append(out, lines[i])
		if indexAddr(lines[i], email, 0) < 0 || i+1 >= len(lines) {
			continue
		}
		next := lines[i+1]
		switch {
		case strings.HasPrefix(next, QuotePrefix) || next == strings.TrimRight(QuotePrefix, " "):
			for i+1 < len(lines) && strings.HasPrefix(lines[i+1], strings.TrimRight(QuotePrefix, " ")) {
				i++
			}
			out = append(out, QuotePrefix+ErasedComment)
		case strings.HasPrefix(next, `    "`):
			// The quoted comment ends on the line that ends with a quote
			// (not the opening one alone), or before the next item.
			i++
			first := i
			for i+1 < len(lines) && lines[i+1] != "" && !strings.HasPrefix(lines[i+1], "  - ") &&
				!(strings.HasSuffix(lines[i], `"`) && (i > first || len(lines[i]) > len(`    "`))) {
				i++
			}
			out = append(out, `    "`+ErasedComment+`"`)
		}
	}
	return strings.Join(out, "\n")
}

// htmlComment is the comment of a digest's HTML list item.
var htmlComment = regexp.MustCompile(`<em style="[^"]*">“[^<]*”</em>`)

// redactHTMLComments replaces the comment in each list item of an HTML
// body that holds email (HTML-escaped), as redactTextComments does for
// text.
func redactHTMLComments(body, email string) string {
	if indexAddr(body, email, 0) < 0 {
		return body
	}
	parts := strings.SplitAfter(body, "</li>")
	for i, item := range parts {
		if indexAddr(item, email, 0) >= 0 {
			parts[i] = htmlComment.ReplaceAllLiteralString(item, `<em style="color:#57606a;">“`+ErasedComment+`”</em>`)
		}
	}
	return strings.Join(parts, "")
}
