package mimemail

import (
	"bytes"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"

	"github.com/outreach-dev/outreach"
)

// Options are the parts of a message that are not in outreach.Message.
type Options struct {
	// Date is the Date header (the instant of sending).
	Date time.Time
	// PostalAddress is appended to both parts when they lack it
	// (OUTREACH_POSTAL_ADDRESS); "" adds nothing.
	PostalAddress string
}

// Check reports a message that cannot be sent as a non-retryable
// *outreach.SendError naming what is missing.
func Check(m *outreach.Message) error {
	if m == nil {
		return &outreach.SendError{Message: "no message"}
	}
	var missing []string
	for _, f := range []struct{ name, v string }{{"DeliveryID", m.DeliveryID}, {"To", m.To}, {"From", m.From}} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	if m.Text == "" && m.HTML == "" {
		missing = append(missing, "Text or HTML")
	}
	if len(missing) > 0 {
		return &outreach.SendError{Message: "message lacks " + strings.Join(missing, ", ")}
	}
	return nil
}

// Build returns m as an RFC 5322 message with CRLF line endings (see the
// package doc for its shape).
func Build(m *outreach.Message, o Options) ([]byte, error) {
	if err := Check(m); err != nil {
		return nil, err
	}
	// One buffer: the header first (the writer's boundary is known before
	// it writes anything), then the parts.
	var head bytes.Buffer
	head.Grow(1024 + 2*len(m.Text) + 2*len(m.HTML))
	mw := multipart.NewWriter(&head)
	field := func(k, v string) {
		if v != "" {
			head.WriteString(k)
			head.WriteString(": ")
			head.WriteString(v)
			head.WriteString("\r\n")
		}
	}
	field("Message-ID", outreach.MessageID(m.DeliveryID, m.From))
	field("Date", o.Date.Format(time.RFC1123Z))
	field("From", Address(m.FromName, m.From))
	if m.ReplyTo != "" {
		field("Reply-To", Address(m.ReplyToName, m.ReplyTo))
	}
	field("To", Address(m.ToName, m.To))
	field("Subject", EncodeHeader(m.Subject))
	field("MIME-Version", "1.0")
	field("Content-Type", `multipart/alternative; boundary="`+mw.Boundary()+`"`)
	field(outreach.HeaderDeliveryID, oneLine(m.DeliveryID))
	field(outreach.HeaderCampaign, EncodeHeader(m.Campaign))
	if list, ok := m.ListUnsubscribe(); ok {
		field(outreach.HeaderListUnsubscribe, oneLine(list))
		field(outreach.HeaderListUnsubscribePost, outreach.ListUnsubscribeOneClick)
	}
	head.WriteString("\r\n")
	for _, part := range []struct{ typ, body string }{
		{"text/plain", outreach.TextWithFooter(m.Text, o.PostalAddress)},
		{"text/html", outreach.HTMLWithFooter(m.HTML, o.PostalAddress)},
	} {
		if part.body == "" {
			continue
		}
		if err := writePart(mw, part.typ, part.body); err != nil {
			return nil, fmt.Errorf("build %s part: %w", part.typ, err)
		}
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("build message: %w", err)
	}
	return head.Bytes(), nil
}

// writePart writes one quoted-printable UTF-8 part.
func writePart(mw *multipart.Writer, typ, body string) error {
	pw, err := mw.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {typ + "; charset=utf-8"},
		"Content-Transfer-Encoding": {"quoted-printable"},
	})
	if err != nil {
		return err
	}
	qp := quotedprintable.NewWriter(pw)
	if _, err := qp.Write([]byte(strings.ReplaceAll(body, "\r\n", "\n"))); err != nil {
		return err
	}
	return qp.Close()
}

// Address formats a mailbox: "Name" <address>, the name RFC 2047-encoded
// when it is not ASCII. Line breaks in the name become spaces, so a name
// someone typed cannot add a header.
func Address(name, address string) string {
	return (&mail.Address{Name: oneLine(name), Address: oneLine(address)}).String()
}

// EncodeHeader RFC 2047-encodes a non-ASCII header value, folding the
// encoded words onto continuation lines so no line exceeds 78 characters.
// Line breaks become spaces.
func EncodeHeader(s string) string {
	s = oneLine(s)
	enc := mime.QEncoding.Encode("utf-8", s)
	if enc == s {
		return s
	}
	return strings.ReplaceAll(enc, "?= =?", "?=\r\n =?")
}

// oneLine replaces CR and LF with spaces.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}
