package eml

import (
	"bytes"
	"context"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/outreach-dev/outreach"
)

// Sender writes messages as .eml files into Dir. It is safe for concurrent
// use.
type Sender struct {
	Dir string
	Now func() time.Time
}

var _ outreach.IdempotentSender = (*Sender)(nil)

// New returns a Sender writing into dir (created on first Send); now
// defaults to time.Now.
func New(dir string, now func() time.Time) *Sender {
	if now == nil {
		now = time.Now
	}
	return &Sender{Dir: dir, Now: now}
}

// safeID matches delivery ids that are safe as file names.
var safeID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$`)

// Path returns the file a delivery is written to.
func (s *Sender) Path(deliveryID string) string {
	return filepath.Join(s.Dir, deliveryID+".eml")
}

// Send writes m to <Dir>/<delivery_id>.eml, exactly once: a delivery whose
// file exists is not written again and Send succeeds (see writeOnce). The
// result's MessageID is the Message-ID header.
func (s *Sender) Send(ctx context.Context, m *outreach.Message) (outreach.SendResult, error) {
	if err := ctx.Err(); err != nil {
		return outreach.SendResult{}, err
	}
	if m == nil || !safeID.MatchString(m.DeliveryID) {
		id := ""
		if m != nil {
			id = m.DeliveryID
		}
		return outreach.SendResult{}, &outreach.SendError{Message: fmt.Sprintf("delivery id %q cannot name a file: use letters, digits, '.', '_' and '-'", id)}
	}
	msgID := messageID(m)
	raw, err := Render(m, msgID, s.Now())
	if err != nil {
		return outreach.SendResult{}, err
	}
	if err := writeOnce(s.Dir, s.Path(m.DeliveryID), raw); err != nil {
		return outreach.SendResult{}, fmt.Errorf("write outbox: %w", err)
	}
	return outreach.SendResult{MessageID: msgID}, nil
}

// messageID is <delivery_id@domain of From>, so resending keeps the id.
func messageID(m *outreach.Message) string {
	domain := "outreach.invalid"
	if _, d, ok := strings.Cut(m.From, "@"); ok && d != "" {
		domain = d
	}
	return "<" + m.DeliveryID + "@" + domain + ">"
}

// Render returns m as an RFC 5322 message with CRLF line endings: headers
// (non-ASCII ones RFC 2047-encoded), then a multipart/alternative body with
// quoted-printable UTF-8 parts, text/plain before text/html.
func Render(m *outreach.Message, msgID string, date time.Time) ([]byte, error) {
	if m.To == "" || m.From == "" {
		return nil, &outreach.SendError{Message: "message lacks To or From"}
	}
	if m.Text == "" && m.HTML == "" {
		return nil, &outreach.SendError{Message: "message lacks Text or HTML"}
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := []struct{ k, v string }{
		{"Message-ID", msgID},
		{"Date", date.Format(time.RFC1123Z)},
		{"From", (&mail.Address{Name: m.FromName, Address: m.From}).String()},
		{"To", (&mail.Address{Name: m.ToName, Address: m.To}).String()},
		{"Subject", encodeHeader(m.Subject)},
		{"MIME-Version", "1.0"},
		{"Content-Type", `multipart/alternative; boundary="` + mw.Boundary() + `"`},
		{"X-Outreach-Delivery-Id", m.DeliveryID},
		{"X-Outreach-Campaign", encodeHeader(m.Campaign)},
	}
	if !m.Transactional() && m.UnsubscribeURL != "" {
		list := "<" + m.UnsubscribeURL + ">"
		if to := m.UnsubscribeMailto; to != "" {
			if !strings.HasPrefix(strings.ToLower(to), "mailto:") {
				to = "mailto:" + to
			}
			list += ", <" + to + ">"
		}
		h = append(h, struct{ k, v string }{"List-Unsubscribe", list},
			struct{ k, v string }{"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"})
	}
	var head bytes.Buffer
	for _, f := range h {
		if f.v == "" {
			continue
		}
		fmt.Fprintf(&head, "%s: %s\r\n", f.k, f.v)
	}
	head.WriteString("\r\n")
	for _, part := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		if part.body == "" {
			continue
		}
		if err := writePart(mw, part.typ, part.body); err != nil {
			return nil, fmt.Errorf("render %s part: %w", part.typ, err)
		}
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("render message: %w", err)
	}
	return append(head.Bytes(), buf.Bytes()...), nil
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

// encodeHeader RFC 2047-encodes a non-ASCII header value, folding the
// encoded words onto continuation lines so no line exceeds 78 characters.
func encodeHeader(s string) string {
	s = strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
	enc := mime.QEncoding.Encode("utf-8", s)
	if enc == s {
		return s
	}
	return strings.ReplaceAll(enc, "?= =?", "?=\r\n =?")
}
