package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/outreach-dev/outreach"
)

// HashToken returns the SHA-256 hex hash under which a token is stored.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// authenticate returns the token of the request's bearer credentials:
// OUTREACH_API_TOKEN (admin) or a live stored token.
func (s *Server) authenticate(r *http.Request) (*outreach.Token, error) {
	h := r.Header.Get("Authorization")
	scheme, secret, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
		return nil, outreach.Errorf(outreach.EUNAUTHORIZED, "missing bearer token: send the header \"Authorization: Bearer TOKEN\"")
	}
	secret = strings.TrimSpace(secret)
	if s.AdminToken != "" && subtle.ConstantTimeCompare([]byte(secret), []byte(s.AdminToken)) == 1 {
		return &outreach.Token{Name: "OUTREACH_API_TOKEN", Scope: outreach.ScopeAdmin}, nil
	}
	if s.Tokens == nil {
		return nil, outreach.Errorf(outreach.EUNAUTHORIZED, "invalid or revoked token")
	}
	tok, err := s.Tokens.TokenByHash(r.Context(), HashToken(secret))
	if outreach.ErrorCode(err) == outreach.ENOTFOUND {
		return nil, outreach.Errorf(outreach.EUNAUTHORIZED, "invalid or revoked token")
	}
	if err != nil {
		return nil, err
	}
	s.touchToken(r, tok)
	return tok, nil
}

// touchToken records the token's use for `token list`, when its recorded
// last use is a minute old or more: most requests write nothing. A failed
// write is logged, never refused: it is bookkeeping.
func (s *Server) touchToken(r *http.Request, tok *outreach.Token) {
	now := s.Now()
	if tok.LastUsedAt != nil && now.Sub(*tok.LastUsedAt) < time.Minute {
		return
	}
	if err := s.Tokens.TouchToken(r.Context(), tok.Name, now); err != nil {
		s.Logger.Warn("record token use", "token", tok.Name, "err", err.Error())
	}
}

// authorize checks that tok's scope grants the access level.
func authorize(tok *outreach.Token, level access) error {
	switch {
	case tok.Scope == outreach.ScopeAdmin:
		return nil
	case tok.Scope == outreach.ScopeIngest && level == ingestScope:
		return nil
	}
	return outreach.Errorf(outreach.EFORBIDDEN, "token %q has scope %q, which may only POST data; this needs an admin token", tok.Name, tok.Scope)
}
