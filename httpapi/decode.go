package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/outreach-dev/outreach"
)

// decodeObject reads one JSON object of at most 64 KiB into v, refusing
// unknown fields and anything after the object: a 422 that shows want, the
// shape expected, or the body-too-large error (413).
func decodeObject(w http.ResponseWriter, r *http.Request, v any, want string) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return outreach.Errorf(outreach.EINVALID, "body: want %s: %v", want, err)
	}
	if dec.Decode(&struct{}{}) != io.EOF {
		return outreach.Errorf(outreach.EINVALID, "body: want one JSON object")
	}
	return nil
}
