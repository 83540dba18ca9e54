// Package safehttp is the HTTP client of outgoing posts to URLs that
// users configure (outgoing webhooks, Slack and Teams incoming webhooks):
// it refuses loopback, private, link-local and other non-public targets,
// both in the URL and at connect time (a DNS name that resolves to
// 127.0.0.1 is refused when the connection is made, so a name that
// changes its address after the check gains nothing), unless private
// targets are allowed (OUTREACH_ALLOW_PRIVATE_TARGETS=true, for
// development and tests).
package safehttp

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrPrivateTarget is the error of a connection to a non-public address.
var ErrPrivateTarget = errors.New("target is a loopback or private address (set OUTREACH_ALLOW_PRIVATE_TARGETS=true to allow it in development)")

// cgnat is the shared address space of carrier-grade NAT (RFC 6598).
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// Public reports whether ip is a public unicast address.
func Public(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsValid() && ip.IsGlobalUnicast() && !ip.IsPrivate() && !ip.IsLoopback() &&
		!ip.IsLinkLocalUnicast() && !cgnat.Contains(ip)
}

// CheckURL validates a configured target URL: absolute, https (http only
// when allowHTTP), with a host; when private targets are not allowed, a
// literal address must be public and "localhost" is refused. It returns a
// message meant for the user, which shows the URL's scheme and host only
// (webhook URLs carry secrets in their paths).
func CheckURL(raw string, allowPrivate, allowHTTP bool) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("the URL is not an absolute http(s) URL (https://host/path)")
	}
	raw = u.Scheme + "://" + u.Host + "/…"
	if u.Scheme == "http" && !allowHTTP {
		return fmt.Errorf("%q is not https: only https targets are allowed outside development", raw)
	}
	if u.User != nil {
		return fmt.Errorf("%q has credentials in it: put secrets in the path or a header, not user:password@", raw)
	}
	if allowPrivate {
		return nil
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return fmt.Errorf("%q: %w", raw, ErrPrivateTarget)
	}
	if ip, err := netip.ParseAddr(host); err == nil && !Public(ip) {
		return fmt.Errorf("%q: %w", raw, ErrPrivateTarget)
	}
	return nil
}

// Client returns an HTTP client with timeout whose connections are checked
// at connect time: to a non-public address they fail with
// ErrPrivateTarget unless allowPrivate. It uses no proxy (a proxy would
// connect on its behalf, unchecked) and follows no redirects.
func Client(allowPrivate bool, timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		d.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !Public(ap.Addr()) {
				return ErrPrivateTarget
			}
			return nil
		}
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: timeout,
	}
	return &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
