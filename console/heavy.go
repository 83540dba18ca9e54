package console

import (
	"net/http"
	"strconv"
	"time"
)

// A pack-editor request that parses or loads a whole pack (a draft's form
// of up to 4 MiB, the loader rendering every template, a diff of every
// file) takes tens of MiB while it runs: 40 validations of a 4 MiB draft
// posted at once by one marketing member took a serve to 1.9 GB of RSS.
// Such pages are marked Heavy and run at most maxHeavy at once per
// process; the others wait for a slot, up to heavyWait, then get 503.
const (
	maxHeavy  = 4
	heavyWait = 20 * time.Second
)

// acquireHeavy takes a slot for a Heavy page, or answers 503 (or nothing,
// when the client went away) and returns false. The slot is taken before
// the body is read.
func (s *Server) acquireHeavy(w http.ResponseWriter, r *http.Request, c *Context) bool {
	t := time.NewTimer(heavyWait)
	defer t.Stop()
	select {
	case s.heavySlots <- struct{}{}:
		return true
	case <-r.Context().Done():
		return false
	case <-t.C:
		w.Header().Set("Retry-After", strconv.Itoa(int(heavyWait/time.Second)))
		s.renderError(w, r, c, http.StatusServiceUnavailable, "error.busy")
		return false
	}
}

func (s *Server) releaseHeavy() { <-s.heavySlots }
