package httpapi

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// DefaultPublicBytesInFlight is the default budget of request body bytes
// that the public endpoints hold at once (OUTREACH_PUBLIC_BYTES_IN_FLIGHT):
// four full webhook batches. Under a flood, Go's collector lets the heap
// reach about twice what is live, and a body being read may take twice its
// size: 32 MiB keeps serve's peak RSS near 170 MiB (TestWebhookFloodBoundsMemory
// holds it under 256 MiB).
const DefaultPublicBytesInFlight = 32 << 20

// budgetGranule is how much of the budget a public request's body takes at
// a time, as it is read.
const budgetGranule = 32 << 10

// budgetFirstTake is what a public request's body takes of the budget
// first; each later take doubles what it holds, up to a granule at a time.
// A client that declares a body and sends it slowly (or not at all) holds
// about twice what it sent, not a granule: idle connections cannot spend
// the budget that other requests need.
const budgetFirstTake = 1 << 10

// budgetRetryAfter is the Retry-After, in seconds, of a request refused
// because the budget is spent.
const budgetRetryAfter = 1

// publicBodyPrefixes are the path prefixes of the endpoints that anyone may
// post to without a token: their request bodies share the server's
// ByteBudget. A new public route that reads a body goes under one of them
// (or is added here).
var publicBodyPrefixes = []string{"/s/", "/u/", "/p/", "/c/", "/webhooks/", "/console/login", "/console/auth/"}

// ByteBudget bounds the request body bytes that requests hold at once. A
// request takes from it as it reads its body, a granule at a time, and
// gives everything back when its handler returns; a read that finds the
// budget spent fails, and the request is answered 503 with Retry-After.
// Because it counts bytes actually read, a client that declares a large
// body and sends it slowly holds only what it has sent, and a chunked body
// is bounded like any other. It is safe for concurrent use.
type ByteBudget struct {
	limit int64

	mu   sync.Mutex
	used int64
}

// NewByteBudget returns a budget of limit bytes.
func NewByteBudget(limit int64) (*ByteBudget, error) {
	if limit < budgetGranule {
		return nil, fmt.Errorf("byte budget: %d bytes is less than one granule of %d", limit, budgetGranule)
	}
	return &ByteBudget{limit: limit}, nil
}

// Limit returns the size of the budget in bytes.
func (b *ByteBudget) Limit() int64 { return b.limit }

// InUse returns the bytes taken now.
func (b *ByteBudget) InUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// TryTake takes n bytes if they are left and reports whether it did.
func (b *ByteBudget) TryTake(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n < 0 || b.used+n > b.limit {
		return false
	}
	b.used += n
	return true
}

// Give returns n bytes taken with TryTake.
func (b *ByteBudget) Give(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
	if b.used < 0 {
		panic("httpapi: ByteBudget given back more than was taken")
	}
}

// errBusy is the error of a read past the spent budget; writeError answers
// it 503 with Retry-After.
var errBusy = errors.New("the server is busy: retry in a moment")

// budgetReader is a request body that takes from a ByteBudget as it is
// read.
type budgetReader struct {
	io.ReadCloser
	budget   *ByteBudget
	declared int64 // the Content-Length, -1 if unknown (chunked)
	held     int64 // bytes taken
	read     int64 // bytes read
	avail    int64 // bytes that may be read before taking more
	refused  bool  // a read found the budget spent
	// stream is set by streamBody: the handler lets go of what it read,
	// keeping at most keep bytes, so once the request holds keep bytes
	// and a granule it reads into that granule again and again.
	stream bool
	keep   int64
}

func (br *budgetReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if br.declared >= 0 && br.read >= br.declared {
		// The whole declared body is in: the read that finds its end
		// needs nothing from the budget (net/http stops at the
		// Content-Length; one byte at most, should a body not).
		n, err := br.ReadCloser.Read(p[:1])
		br.read += int64(n)
		return n, err
	}
	if br.avail == 0 {
		if br.stream && br.held >= br.keep+budgetGranule {
			br.avail = budgetGranule
		} else if err := br.take(); err != nil {
			return 0, err
		}
	}
	p = p[:min(int64(len(p)), br.avail)]
	n, err := br.ReadCloser.Read(p)
	br.read += int64(n)
	br.avail -= int64(n)
	return n, err
}

// take takes the next part of the budget: budgetFirstTake, then as much
// as the request already holds, at most a granule (and no more than the
// declared rest).
func (br *budgetReader) take() error {
	want := min(int64(budgetGranule), max(budgetFirstTake, br.held))
	if br.declared >= 0 {
		want = min(want, br.declared-br.read)
	}
	if br.stream {
		want = min(want, br.keep+budgetGranule-br.held)
	}
	if !br.budget.TryTake(want) {
		br.refused = true
		return errBusy
	}
	br.held += want
	br.avail = want
	return nil
}

// streamBody tells the public budget that r's handler parses its body as a
// stream, keeping at most keep bytes of it in memory: the request then
// holds at most keep bytes and one granule, however long its body, instead
// of every byte it read. It takes them as the body arrives, like any other
// request (a client that sends nothing holds almost nothing), not at once.
// Call it before reading the body; a request outside the budget is left
// alone. It returns no error today; the signature keeps the call sites'
// shape.
func streamBody(r *http.Request, keep int64) error {
	br, ok := r.Body.(*budgetReader)
	if !ok {
		return nil
	}
	br.stream = true
	br.keep = keep
	return nil
}

// budgetWriter answers 503 in place of whatever the handler answers once
// the request's body found the budget spent.
type budgetWriter struct {
	http.ResponseWriter
	s       *Server
	r       *http.Request
	body    *budgetReader
	wrote   bool // the handler's answer went out
	refused bool // the 503 went out instead
}

func (bw *budgetWriter) refuse() {
	if bw.wrote || bw.refused {
		return
	}
	bw.refused = true
	bw.s.writeError(bw.ResponseWriter, bw.r, errBusy)
}

func (bw *budgetWriter) WriteHeader(code int) {
	if bw.body.refused {
		bw.refuse()
		return
	}
	bw.wrote = true
	bw.ResponseWriter.WriteHeader(code)
}

func (bw *budgetWriter) Write(b []byte) (int, error) {
	if bw.body.refused && !bw.wrote {
		bw.refuse()
	}
	if bw.refused {
		return len(b), nil // the handler's answer is dropped
	}
	bw.wrote = true
	return bw.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (bw *budgetWriter) Unwrap() http.ResponseWriter { return bw.ResponseWriter }

// publicBudget makes the bodies of requests under publicBodyPrefixes take
// from s.PublicBudget as they are read (a request without a body takes
// nothing) and gives the bytes back when the handler returns. A request
// whose body finds the budget spent is answered 503 with Retry-After,
// whatever its handler makes of the failed read.
func (s *Server) publicBudget(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 || !hasPublicBodyPrefix(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		br := &budgetReader{ReadCloser: r.Body, budget: s.PublicBudget, declared: r.ContentLength}
		defer func() { s.PublicBudget.Give(br.held) }()
		bw := &budgetWriter{ResponseWriter: w, s: s, r: r, body: br}
		r2 := r.WithContext(r.Context()) // a shallow copy: r's body is not ours to change
		r2.Body = br
		next.ServeHTTP(bw, r2)
		r.Pattern = r2.Pattern // for observe's metrics and access log
		if br.refused {
			bw.refuse()
		}
	})
}

func hasPublicBodyPrefix(path string) bool {
	for _, p := range publicBodyPrefixes {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// readBody reads a request body of at most limit bytes (a larger one is an
// *http.MaxBytesError) into one buffer that doubles as bytes arrive and
// never grows past the declared Content-Length, so that a body in memory
// costs about twice its size while it is read, not the fivefold of
// io.ReadAll's gentler growth: the public byte budget counts the bytes
// read, and the memory they take should follow.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	body := http.MaxBytesReader(w, r.Body, limit)
	size := int64(512)
	if r.ContentLength > 0 {
		size = min(r.ContentLength+1, budgetGranule) // +1: room to see the end
	}
	buf := make([]byte, 0, size)
	for {
		if len(buf) == cap(buf) {
			next := int64(2 * cap(buf))
			if r.ContentLength > 0 && int64(len(buf)) <= r.ContentLength {
				next = min(next, r.ContentLength+1)
			}
			buf = append(make([]byte, 0, next), buf...)
		}
		n, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
