package store_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/benchenv"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

const (
	benchBatch    = 1000
	benchContacts = 1000
)

// BenchmarkIngestEvents ingests OUTREACH_BENCH_EVENTS events (default
// 1,000,000) through the store on PostgreSQL in batches of 1,000 and, batch
// by batch in the same run, the same rows through a plain multi-row INSERT
// into an equivalent table (same columns and indexes) as the raw baseline.
// It reports both rates, their ratio and the peak RSS of the process.
//
//	go test ./store/ -run '^$' -bench BenchmarkIngestEvents -benchtime 1x
func BenchmarkIngestEvents(b *testing.B) {
	total := benchenv.Int(b, "OUTREACH_BENCH_EVENTS", 1_000_000, benchBatch)
	ctx := context.Background()
	db := storetest.Open(b, store.Postgres, nil)
	contactIDs := benchSeed(b, db)
	if _, err := db.SQLXForTest().Exec(`CREATE TABLE raw_events (LIKE events INCLUDING ALL)`); err != nil {
		b.Fatal(err)
	}
	batch := make([]outreach.Event, benchBatch)
	var storeDur, rawDur time.Duration
	b.ResetTimer()
	for iter := 0; iter < b.N; iter++ {
		for start := 0; start < total; start += benchBatch {
			n := min(benchBatch, total-start)
			fillBatch(batch[:n], iter*total+start)
			t := time.Now()
			res, err := db.InsertEvents(ctx, batch[:n])
			storeDur += time.Since(t)
			if err != nil {
				b.Fatal(err)
			}
			if res.Created != n {
				b.Fatalf("batch at %d: %+v, want %d created", start, res, n)
			}
			t = time.Now()
			if err := rawInsert(ctx, db, batch[:n], contactIDs); err != nil {
				b.Fatal(err)
			}
			rawDur += time.Since(t)
		}
	}
	b.StopTimer()
	events := float64(total * b.N)
	storeRate, rawRate := events/storeDur.Seconds(), events/rawDur.Seconds()
	rss := peakRSSMiB(b)
	b.ReportMetric(storeRate, "events/s")
	b.ReportMetric(rawRate, "baseline_events/s")
	b.ReportMetric(storeRate/rawRate, "ratio")
	b.ReportMetric(rss, "peak_rss_MiB")
	fmt.Printf("ingest %d events in batches of %d: store %.0f events/s, raw baseline %.0f events/s, ratio %.2f, peak RSS %.1f MiB\n",
		int(events), benchBatch, storeRate, rawRate, storeRate/rawRate, rss)
}

// benchSeed stores 100 accounts and benchContacts contacts and returns the
// contacts' row ids by external id.
func benchSeed(b *testing.B, db *store.DB) map[string]int64 {
	ctx := context.Background()
	accounts := make([]outreach.Account, 100)
	for i := range accounts {
		accounts[i] = outreach.Account{ExternalID: fmt.Sprintf("a%d", i), Name: fmt.Sprintf("Account %d", i)}
	}
	if _, err := db.UpsertAccounts(ctx, accounts); err != nil {
		b.Fatal(err)
	}
	contacts := make([]outreach.Contact, benchContacts)
	for i := range contacts {
		contacts[i] = outreach.Contact{ExternalID: fmt.Sprintf("c%d", i), AccountExternalID: fmt.Sprintf("a%d", i%100),
			Email: fmt.Sprintf("user%d@example.com", i)}
	}
	if _, err := db.UpsertContacts(ctx, contacts); err != nil {
		b.Fatal(err)
	}
	ids := map[string]int64{}
	rows, err := db.SQLXForTest().Query(`SELECT external_id, id FROM contacts`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var e string
		var id int64
		if err := rows.Scan(&e, &id); err != nil {
			b.Fatal(err)
		}
		ids[e] = id
	}
	return ids
}

var benchBase = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// fillBatch overwrites batch with events first, first+1, ...: support
// tickets with properties, and one in ten contact.active.
func fillBatch(batch []outreach.Event, first int) {
	for i := range batch {
		n := first + i
		e := outreach.Event{ID: "ev-" + strconv.Itoa(n), ContactExternalID: "c" + strconv.Itoa(n%benchContacts),
			OccurredAt: benchBase.Add(time.Duration(n) * time.Second)}
		if n%10 == 0 {
			e.Type = outreach.EventContactActive
		} else {
			e.Type = outreach.EventTicketClosed
			e.Properties = map[string]any{"ticket_id": "T-" + strconv.Itoa(n), "priority": "p2"}
		}
		batch[i] = e
	}
}

// rawInsert is the baseline: the same rows in one plain multi-row INSERT
// in its own transaction, through database/sql.
func rawInsert(ctx context.Context, db *store.DB, batch []outreach.Event, contactIDs map[string]int64) error {
	var q strings.Builder
	q.WriteString(`INSERT INTO raw_events (id, type, contact_id, account_id, occurred_at, properties, ingested_at, planned_at) VALUES `)
	args := make([]any, 0, len(batch)*8)
	now := time.Now().UnixMilli()
	for i, e := range batch {
		if i > 0 {
			q.WriteString(", ")
		}
		p := len(args)
		fmt.Fprintf(&q, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)", p+1, p+2, p+3, p+4, p+5, p+6, p+7, p+8)
		var props any
		if e.Properties != nil {
			bs, err := json.Marshal(e.Properties)
			if err != nil {
				return err
			}
			props = string(bs)
		}
		cid := contactIDs[e.ContactExternalID]
		args = append(args, e.ID, e.Type, cid, cid%100+1, e.OccurredAt.UnixMilli(), props, now, nil)
	}
	tx, err := db.SQLXForTest().DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// peakRSSMiB reads the process's peak resident set size (VmHWM).
func peakRSSMiB(b *testing.B) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Logf("peak RSS unavailable: %v", err)
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}
