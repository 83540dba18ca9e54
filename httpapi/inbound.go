package httpapi

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/links"
)

// MaxInboundBytes caps a POST /webhooks/sendgrid/inbound body: SendGrid's
// Inbound Parse accepts messages of up to 30 MB, attachments included
// (which are read past, never kept).
const MaxInboundBytes = 32 << 20

// inboundFieldBytes caps each form field kept from an inbound message.
const inboundFieldBytes = 64 << 10

// inboundKeptBytes is what readInbound keeps of a message at most: its
// four fields.
const inboundKeptBytes = 4 * inboundFieldBytes

// reasonMailto is the reason of a suppression made by an email to the
// List-Unsubscribe mailto address.
const reasonMailto = "unsubscribe email (List-Unsubscribe mailto)"

// mailtoToken finds the signed token in "unsubscribe TOKEN", the subject
// of the List-Unsubscribe mailto (a reply may prefix it: "Re: unsubscribe
// …"). Tokens are base64url "." base64url.
var mailtoToken = regexp.MustCompile(`(?i)\bunsubscribe\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)`)

// inboundResult is the answer to an inbound message. SendGrid only looks
// at the status; the body tells a person testing with curl what happened.
type inboundResult struct {
	Result string `json:"result"` // "suppressed" or "ignored"
	Email  string `json:"email,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// inboundRoutes registers the receiver of emails sent to the
// List-Unsubscribe mailto address, relayed by SendGrid Inbound Parse.
func (s *Server) inboundRoutes(mux *http.ServeMux) {
	s.handle(mux, "POST /webhooks/sendgrid/inbound", public, s.handleInbound)
}

// handleInbound reads an email relayed by SendGrid Inbound Parse
// (multipart/form-data with subject, text, from, to, … fields) and, when
// its subject (or else its text) holds "unsubscribe TOKEN" with a valid
// unsubscribe token, suppresses the token's address for every
// non-transactional category, as the one-click POST does. The token is
// signed, so no other authentication is needed: only someone who has the
// email can unsubscribe its recipient. A message without a valid token is
// answered 200 "ignored" (SendGrid would otherwise retry it for days) and
// logged; a body that is not multipart is a 400.
func (s *Server) handleInbound(w http.ResponseWriter, r *http.Request) error {
	f := s.Feedback
	if f == nil || f.Store == nil || f.Links == nil {
		s.metrics.errors.WithLabelValues("unavailable").Inc()
		return writeJSON(w, http.StatusServiceUnavailable, errorBody{Error: "the feedback loop is not configured"})
	}
	// Only four fields are kept; the rest (attachments) is discarded as
	// it streams by, so the public byte budget counts only those.
	if err := streamBody(r, inboundKeptBytes); err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxInboundBytes)
	fields, err := readInbound(r)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return outreach.Errorf(outreach.ETOOLARGE, "the message is larger than %d bytes", MaxInboundBytes)
		}
		return outreach.Errorf(outreach.EINVALID, "not a SendGrid Inbound Parse post (multipart/form-data with a subject field): %v", err)
	}
	token := ""
	for _, field := range []string{"subject", "text"} {
		if m := mailtoToken.FindStringSubmatch(fields[field]); m != nil {
			token = m[1]
			break
		}
	}
	ignore := func(reason string) error {
		s.Logger.Info("inbound email ignored", "from", outreach.RedactEmails(fields["from"]),
			"subject", links.RedactTokens(outreach.RedactEmails(fields["subject"])), "reason", reason)
		return writeJSON(w, http.StatusOK, inboundResult{Result: "ignored", Reason: reason})
	}
	if token == "" {
		return ignore(`no "unsubscribe TOKEN" in the subject or text`)
	}
	tok, err := f.Links.Verify(token, links.KindUnsubscribe, s.Now())
	if err != nil {
		return ignore("unsubscribe token: " + err.Error())
	}
	email := unsubscribeAddress(tok.Subject)
	if _, err := f.Store.AddSuppressions(r.Context(), []outreach.Suppression{{Email: email, Scope: outreach.ScopeAll, Reason: reasonMailto}}); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, inboundResult{Result: "suppressed", Email: email})
}

// readInbound returns the text fields of an Inbound Parse post, each cut
// to inboundFieldBytes; file parts (attachments) are skipped unread.
func readInbound(r *http.Request) (map[string]string, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return nil, errors.New("Content-Type is not multipart/form-data")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, err
	}
	fields := map[string]string{}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return fields, nil
		}
		if err != nil {
			return nil, err
		}
		name := p.FormName()
		if p.FileName() == "" && (name == "subject" || name == "text" || name == "from" || name == "to") {
			b, err := io.ReadAll(io.LimitReader(p, inboundFieldBytes))
			if err != nil {
				return nil, err
			}
			fields[name] = strings.TrimSpace(string(b))
		}
		if _, err := io.Copy(io.Discard, p); err != nil {
			return nil, err
		}
	}
}
