package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sendgrid/sendgrid-go/helpers/eventwebhook"
)

// floodBodyBytes is the body of each flood request: just under the
// webhook's 8 MiB cap, so that only the byte budget can refuse it.
const floodBodyBytes = 8<<20 - 1

// maxFloodRSS is the bound on serve's peak resident memory under the
// flood (PRODUCT.md: unauthenticated traffic cannot grow the process's
// memory past a fixed bound).
const maxFloodRSS = 256 << 20

// TestWebhookFloodBoundsMemory floods POST /webhooks/sendgrid of a real
// serve with concurrent 8 MiB bodies whose signature headers are
// well-formed and fresh (so they pass every check that can be made before
// reading) but whose signature is forged: the worst unauthenticated
// traffic. Some clients send fast, some slowly. serve's peak RSS
// (/proc/PID/status VmHWM) must stay under 256 MiB; every answer is 401
// (read, signature refused), 503 (budget spent) or a connection closed
// after a refusal. OUTREACH_FLOOD_CONNS scales the number of connections
// (default 150).
func TestWebhookFloodBoundsMemory(t *testing.T) {
	conns := envInt(t, "OUTREACH_FLOOD_CONNS", 150)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	p := startServe(t, "serve", map[string]string{
		"OUTREACH_DATABASE_URL":                "sqlite:" + filepath.Join(t.TempDir(), "flood.db"),
		"OUTREACH_HTTP_ADDR":                   "127.0.0.1:0",
		"OUTREACH_API_TOKEN":                   apiToken,
		"OUTREACH_SECRET":                      "e2e-link-secret-0123456789abcdef",
		"OUTREACH_SENDGRID_WEBHOOK_PUBLIC_KEY": base64.StdEncoding.EncodeToString(der),
	})
	pid := p.cmd.Process.Pid
	before := vmHWM(t, pid)

	forged, err := asn1.Marshal(struct{ R, S *big.Int }{big.NewInt(1 << 62), big.NewInt(1<<62 + 1)})
	if err != nil {
		t.Fatal(err)
	}
	sig := base64.StdEncoding.EncodeToString(forged)
	client := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxConnsPerHost: conns, MaxIdleConnsPerHost: conns}}
	defer client.CloseIdleConnections()
	var mu sync.Mutex
	outcomes := map[string]int{}
	var wg sync.WaitGroup
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := io.Reader(&zeros{n: floodBodyBytes})
			if i%3 == 0 { // a third trickle their body in
				body = &slowReader{r: body, chunk: 4 << 10, pause: time.Millisecond}
			}
			req, _ := http.NewRequest(http.MethodPost, p.url()+"/webhooks/sendgrid", body)
			req.ContentLength = floodBodyBytes
			req.Header.Set(eventwebhook.VerificationHTTPHeader, sig)
			req.Header.Set(eventwebhook.TimestampHTTPHeader, strconv.FormatInt(time.Now().Unix(), 10))
			code, _ := send(client, req)
			outcome := strconv.Itoa(code)
			if code == 0 {
				outcome = "closed"
			}
			mu.Lock()
			outcomes[outcome]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	peak := vmHWM(t, pid)
	t.Logf("%d concurrent forged 8 MiB webhook posts (a third slow): answers %v; serve's VmHWM %d MiB before, %d MiB after (bound %d MiB)",
		conns, outcomes, before>>20, peak>>20, maxFloodRSS>>20)
	for o, n := range outcomes {
		if o != "401" && o != "503" && o != "closed" {
			t.Errorf("%d answers %s, want 401, 503 or a closed connection", n, o)
		}
	}
	if peak > maxFloodRSS {
		t.Errorf("serve's peak RSS %d MiB is over the bound of %d MiB", peak>>20, maxFloodRSS>>20)
	}
	// Still serving.
	req, _ := http.NewRequest(http.MethodGet, p.url()+"/healthz", nil)
	if code, body := send(client, req); code != http.StatusOK {
		t.Errorf("/healthz after the flood: %d %s", code, body)
	}
}

// vmHWM returns the peak resident set size of process pid, in bytes.
func vmHWM(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc to read the peak RSS from: %v", err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM line %q: %v", l, err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}

// zeros reads n bytes of '0'.
type zeros struct{ n int }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n == 0 {
		return 0, io.EOF
	}
	k := min(len(p), z.n)
	for i := range p[:k] {
		p[i] = '0'
	}
	z.n -= k
	return k, nil
}

// slowReader hands out chunk bytes at a time, pausing before each.
type slowReader struct {
	r     io.Reader
	chunk int
	pause time.Duration
}

func (s *slowReader) Read(p []byte) (int, error) {
	time.Sleep(s.pause)
	return s.r.Read(p[:min(len(p), s.chunk)])
}
