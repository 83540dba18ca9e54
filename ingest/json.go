package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"sort"

	"github.com/outreach-dev/outreach"
)

// DecodeJSON reads a JSON array of objects of kind from r. It returns an
// EINVALID *outreach.Error when r does not hold one JSON array, an ETOOLARGE
// one when the array has more than maxItems items (maxItems <= 0: no
// limit), and otherwise the valid items with a *outreach.BatchError listing
// every invalid one (index 0-based). The caller caps the bytes of r.
func DecodeJSON(kind Kind, r io.Reader, maxItems int) (*Batch, error) {
	sc, ok := schemas[kind]
	if !ok {
		return nil, outreach.Errorf(outreach.EINVALID, "unknown kind %q", kind)
	}
	raws, err := splitArray(r, maxItems)
	if err != nil {
		return nil, err
	}
	b := &Batch{Kind: kind}
	errs := &outreach.BatchError{}
	for i, raw := range raws {
		it := newItem(i, errs)
		if itemFromJSON(it, sc, raw) {
			b.build(it)
		}
	}
	return b, errs.Err()
}

// splitArray reads one JSON array and returns its elements.
func splitArray(r io.Reader, maxItems int) ([]json.RawMessage, error) {
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err != nil {
		return nil, notJSON(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, outreach.Errorf(outreach.EINVALID, "the body must be a JSON array of objects, like [{...}, {...}]")
	}
	var raws []json.RawMessage
	for dec.More() {
		if maxItems > 0 && len(raws) == maxItems {
			return nil, outreach.Errorf(outreach.ETOOLARGE, "more than %d items: split the batch", maxItems)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, notJSON(err)
		}
		raws = append(raws, raw)
	}
	if _, err := dec.Token(); err != nil { // the closing ]
		return nil, notJSON(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, outreach.Errorf(outreach.EINVALID, "the body must hold one JSON array and nothing after it")
	}
	return raws, nil
}

func notJSON(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return outreach.Errorf(outreach.EINVALID, "the body is not JSON: it ends too early")
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return outreach.Errorf(outreach.EINVALID, "the body is not JSON: %v (at byte %d)", se, se.Offset)
	}
	return err // a read error, such as *http.MaxBytesError: the caller reports it
}

// itemFromJSON fills it from one JSON value; false when it is not an object.
func itemFromJSON(it *item, sc schema, raw json.RawMessage) bool {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		it.fail("", "each item must be a JSON object")
		return false
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys) // errors in a stable order
	for _, k := range keys {
		v := fields[k]
		switch {
		case sc.known(k):
			s, err := scalarString(v)
			if err != nil {
				it.fail(k, "%v", err)
				continue
			}
			it.setString(k, s)
		case sc.object != "" && k == sc.object:
			obj, err := objectFromJSON(v)
			if err != nil {
				it.fail(k, "%v", err)
				continue
			}
			for ok, ov := range obj {
				it.setExtra(sc.object, ok, ov)
			}
		case sc.extrasJSON:
			val, err := decodeValue(v)
			if err != nil {
				it.fail(k, "%v", err)
			} else if val != nil {
				it.setExtra(k, k, val)
			}
		case sc.object != "":
			it.fail(k, "unknown field: put custom data in %s", sc.object)
		default:
			it.fail(k, "unknown field: the fields are %v", sc.fields)
		}
	}
	return true
}

// scalarString returns the text of a JSON string or number; null is "".
func scalarString(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		return s, nil
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return string(raw), nil
	}
	return "", errors.New("must be a string")
}

// decodeValue decodes any JSON value, keeping numbers exact.
func decodeValue(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, errors.New("is not valid JSON")
	}
	if dec.More() {
		return nil, errors.New("must hold one JSON value")
	}
	return v, nil
}
