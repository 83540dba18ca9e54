package main

import (
	"fmt"
	"io"
	"strings"
)

// progress draws a progress bar on a terminal while a file is read; off a
// terminal it draws nothing (the command prints one summary line instead).
type progress struct {
	w      io.Writer
	on     bool
	label  string
	total  int64 // bytes; 0 = unknown: only the label is shown
	read   int64
	shown  int // last percentage drawn
	drawn  bool
	reader io.Reader
}

func newProgress(w io.Writer, on bool, label string, total int64) *progress {
	p := &progress{w: w, on: on, label: label, total: total, shown: -1}
	if on && total == 0 {
		fmt.Fprintf(w, "\r%s…", label)
		p.drawn = true
	}
	return p
}

// Reader returns r counting its bytes into the bar.
func (p *progress) Reader(r io.Reader) io.Reader {
	if !p.on {
		return r
	}
	p.reader = r
	return p
}

// Read implements io.Reader.
func (p *progress) Read(b []byte) (int, error) {
	n, err := p.reader.Read(b)
	p.read += int64(n)
	p.draw()
	return n, err
}

func (p *progress) draw() {
	if p.total <= 0 {
		return
	}
	pct := int(p.read * 100 / p.total)
	if pct > 100 {
		pct = 100
	}
	if pct == p.shown {
		return
	}
	p.shown = pct
	const width = 30
	fill := pct * width / 100
	fmt.Fprintf(p.w, "\r%s [%s%s] %3d%%", p.label, strings.Repeat("#", fill), strings.Repeat("-", width-fill), pct)
	p.drawn = true
}

// Done erases the bar.
func (p *progress) Done() {
	if p.on && p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
