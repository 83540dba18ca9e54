package templates

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"sync"
	texttemplate "text/template"
)

// Rendering binds the template functions to each rendering's data. Cloning
// the parsed templates per Render did that, but a clone of an html/template
// is escaped again at its first execution: most of the cost of a render.
// Instead each entry keeps a pool of bound copies: a copy is cloned and its
// functions bound once, to method values of a renderer that the copy owns;
// a Render takes a copy, sets that renderer to its data, executes, and puts
// the copy back. A copy is used by one Render at a time, so its renderer is
// never shared, and its html/template is escaped only once, at its first
// execution. The method values are the same functions Render bound before,
// so templates see exactly the same functions and data.

// bound is one entry's templates with their functions bound to r.
type bound struct {
	r       renderer
	subject *texttemplate.Template
	text    *texttemplate.Template
	html    *htmltemplate.Template
}

// get returns a bound copy of the entry whose functions see the data of r,
// from the entry's own pool (Set owns its entries, so a dropped Set takes
// its pools with it).
func (e *entry) get(r *renderer) (*bound, error) {
	b, _ := e.bound.Get().(*bound)
	if b == nil {
		var err error
		if b, err = e.bind(); err != nil {
			return nil, err
		}
	}
	b.r = *r
	return b, nil
}

// put returns b to the entry's pool, dropping its data.
func (e *entry) put(b *bound) {
	b.r = renderer{}
	e.bound.Put(b)
}

// bind clones the entry's parsed templates and binds their functions to
// the renderer of the copy. The parsed templates are never executed, so
// they can always be cloned.
func (e *entry) bind() (*bound, error) {
	b := &bound{}
	subject, err := e.subject.Clone()
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", e.subjectPart.path, err)
	}
	text, err := e.text.Clone()
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", e.textPart.path, err)
	}
	html, err := e.html.Clone()
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", e.htmlPart.path, err)
	}
	b.subject = subject.Funcs(b.r.funcs(false))
	b.text = text.Funcs(b.r.funcs(false))
	b.html = html.Funcs(b.r.funcs(true))
	return b, nil
}

// buffers holds the output buffers of template executions, so that a render
// does not grow new ones; the rendered strings are copied out.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer bounds the buffers kept: an unusually large rendering
// does not pin its buffer.
const maxPooledBuffer = 1 << 20

func getBuffer() *bytes.Buffer { return buffers.Get().(*bytes.Buffer) }

func putBuffer(b *bytes.Buffer) {
	if b.Cap() > maxPooledBuffer {
		return
	}
	b.Reset()
	buffers.Put(b)
}
