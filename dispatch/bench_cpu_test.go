package dispatch_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"

	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

// cpuMeter measures the CPU time that a benchmark phase costs this process
// and the PostgreSQL backends of the benchmark's database (Linux, local
// server). On a machine shared with other work, throughput moves with the
// load; CPU per delivery moves much less.
type cpuMeter struct {
	b      *testing.B
	dbName string
}

func newCPUMeter(b *testing.B, db *store.DB) *cpuMeter {
	var name string
	if err := storetest.SQL(b, db).Get(&name, `SELECT current_database()`); err != nil {
		b.Fatal(err)
	}
	return &cpuMeter{b: b, dbName: name}
}

// cpuUse is CPU time in clock ticks (1/100 s on Linux).
type cpuUse struct{ self, postgres int64 }

// now returns the CPU used so far by this process and by the live
// backends of the database.
func (m *cpuMeter) now() cpuUse {
	u := cpuUse{self: procTicks("/proc/self")}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range dirs {
		cmd, err := os.ReadFile(dir + "/cmdline")
		if err != nil || !bytes.HasPrefix(cmd, []byte("postgres: ")) || !bytes.Contains(cmd, []byte(" "+m.dbName+" ")) {
			continue
		}
		u.postgres += procTicks(dir)
	}
	return u
}

// phase runs fn, which handles n deliveries, and returns its rate and the
// CPU microseconds per delivery of this process and of PostgreSQL. The
// goroutines fn starts carry the profiler label phase=name (the fake
// server's do not): go tool pprof -tagfocus phase=dispatch-on.
func (m *cpuMeter) phase(name string, n int, fn func() float64) (rate, goUS, pgUS float64) {
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	before := m.now()
	pprof.Do(context.Background(), pprof.Labels("phase", name), func(context.Context) { rate = fn() })
	after := m.now()
	runtime.ReadMemStats(&ms1)
	m.b.Logf("%s: %.1f KiB allocated per delivery, %d garbage collections", name,
		float64(ms1.TotalAlloc-ms0.TotalAlloc)/1024/float64(n), ms1.NumGC-ms0.NumGC)
	perDelivery := func(ticks int64) float64 { return float64(ticks) * 1e4 / float64(n) }
	return rate, perDelivery(after.self - before.self), perDelivery(after.postgres - before.postgres)
}

// procTicks returns utime + stime of a process directory of /proc.
func procTicks(dir string) int64 {
	data, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return 0
	}
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // fields from 3 (state) on
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return utime + stime
}
