package ingest

import (
	"bytes"
	"errors"
	"testing"

	"github.com/outreach-dev/outreach"
)

// The seed corpora live in testdata/fuzz/FuzzDecodeJSON and
// testdata/fuzz/FuzzDecodeCSV, so a plain `go test` runs them; run
// `go test -fuzz FuzzDecodeJSON ./ingest` to search for more.

func kindOf(k uint8) Kind { return Kinds[int(k)%len(Kinds)] }

// checkStable decodes, re-encodes and decodes again: the valid part of any
// input must survive a round trip unchanged and without errors.
func checkStable(t *testing.T, kind Kind, data []byte,
	decode func(Kind, []byte) (*Batch, error), encode func(*Batch) ([]byte, error)) {
	b1, err := decode(kind, data)
	var be *outreach.BatchError
	if err != nil && !errors.As(err, &be) {
		if b1 != nil {
			t.Fatalf("a batch (%d items) with a non-batch error %v", b1.Len(), err)
		}
		return
	}
	if be != nil && len(be.Errors) == 0 {
		t.Fatal("an empty BatchError")
	}
	if len(b1.Positions) != b1.Len() {
		t.Fatalf("%d positions for %d items", len(b1.Positions), b1.Len())
	}
	e1, err := encode(b1)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	b2, err := decode(kind, e1)
	if err != nil {
		t.Fatalf("decoding the re-encoded batch: %v\n%s", err, e1)
	}
	if b2.Len() != b1.Len() {
		t.Fatalf("%d items, then %d", b1.Len(), b2.Len())
	}
	e2, err := encode(b2)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	if !bytes.Equal(e1, e2) {
		t.Fatalf("round trip changed the batch:\n%s\n%s", e1, e2)
	}
}

func FuzzDecodeJSON(f *testing.F) {
	f.Add(uint8(1), []byte(`[{"email": "a@b.co", "locale": "pt-br", "x": {"y": [1, 2.5, null]}}]`))
	f.Fuzz(func(t *testing.T, k uint8, data []byte) {
		checkStable(t, kindOf(k), data, func(kind Kind, d []byte) (*Batch, error) {
			return DecodeJSON(kind, bytes.NewReader(d), MaxItems)
		}, encodeJSON)
	})
}

func FuzzDecodeCSV(f *testing.F) {
	f.Add(uint8(2), []byte("id,type,account_external_id,occurred_at,properties\n1,x,a,2026-01-01T00:00:00Z,\"{\"\"k\"\":1}\"\n"))
	f.Fuzz(func(t *testing.T, k uint8, data []byte) {
		checkStable(t, kindOf(k), data, func(kind Kind, d []byte) (*Batch, error) {
			return DecodeCSV(kind, bytes.NewReader(d), 0)
		}, encodeCSV)
	})
}
