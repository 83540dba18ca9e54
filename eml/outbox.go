package eml

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"

	"github.com/outreach-dev/outreach"
)

// tempPattern names the temporary files of writeOnce; Clean removes those
// a crash left behind.
const tempPattern = ".tmp-*.eml"

// writeOnce writes data to path unless path exists, so that a file either
// exists complete or not at all and is never written twice: data goes to a
// temporary file in dir, which is synced and then hard-linked to path (a
// link, unlike a rename, fails when path exists; that counts as done), and
// the directory is synced so the new name survives a crash.
func writeOnce(dir, path string, data []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if _, err := os.Stat(path); err == nil {
		return nil // written before: nothing to do
	}
	f, err := os.CreateTemp(dir, tempPattern)
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // the link keeps the data
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return syncDir(dir)
}

// syncDir makes the directory's entries durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Written reports whether the delivery's file exists, with the Message-ID
// it was written with: the outbox is local, so after a crash the file, not
// a provider's event, tells whether the message was sent.
func (s *Sender) Written(_ context.Context, deliveryID string) (outreach.SendResult, bool, error) {
	if !safeID.MatchString(deliveryID) {
		return outreach.SendResult{}, false, nil // Send never wrote it
	}
	f, err := os.Open(s.Path(deliveryID))
	if errors.Is(err, fs.ErrNotExist) {
		return outreach.SendResult{}, false, nil
	}
	if err != nil {
		return outreach.SendResult{}, false, fmt.Errorf("outbox: %w", err)
	}
	defer f.Close()
	h, err := textproto.NewReader(bufio.NewReader(f)).ReadMIMEHeader()
	if err != nil {
		return outreach.SendResult{}, false, fmt.Errorf("outbox: read %s: %w", f.Name(), err)
	}
	return outreach.SendResult{MessageID: strings.TrimSpace(h.Get("Message-Id"))}, true, nil
}

// Clean removes the temporary files that a process killed while writing
// left in the outbox, and returns how many. Call it at start: a file being
// written by another live process sharing the directory would be removed
// too, and that send retried.
func (s *Sender) Clean() (int, error) {
	tmps, err := filepath.Glob(filepath.Join(s.Dir, tempPattern))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range tmps {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return n, fmt.Errorf("outbox: %w", err)
		}
		n++
	}
	return n, nil
}
