// Package notify posts alert messages to Slack and Microsoft Teams
// incoming webhooks: one JSON POST per message, through the checked client
// of internal/safehttp (private and loopback targets refused unless
// allowed). It implements outreach.Poster; the bodies are rendered by
// package alerting.
package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/safehttp"
)

// Timeout bounds one post.
const Timeout = 10 * time.Second

// Poster posts JSON bodies to incoming-webhook URLs.
type Poster struct {
	client       *http.Client
	allowPrivate bool
}

var _ outreach.Poster = (*Poster)(nil)

// New returns a Poster; allowPrivate lets it reach loopback and private
// addresses (OUTREACH_ALLOW_PRIVATE_TARGETS).
func New(allowPrivate bool) *Poster {
	return &Poster{client: safehttp.Client(allowPrivate, Timeout), allowPrivate: allowPrivate}
}

// Post sends body to url; any answer but 2xx is an error (retried by the
// caller). Slack answers "ok"; Teams answers 1 or 202.
func (p *Poster) Post(ctx context.Context, url string, body []byte) error {
	if err := safehttp.CheckURL(url, p.allowPrivate, true); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "outreach-alerts")
	res, err := p.client.Do(req)
	if err != nil {
		var ue *neturl.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL holds the webhook's secret: keep it out of errors and logs
		}
		return fmt.Errorf("post: %w", err)
	}
	defer res.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("post: status %d: %s", res.StatusCode, bytes.TrimSpace(msg))
	}
	return nil
}
