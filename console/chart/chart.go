// Package chart draws small SVG charts on the server for the console: no
// script, no external resource, a <title> and <desc> in each for screen
// readers (the pages also give the numbers as text or a table).
package chart

import (
	"fmt"
	"html"
	"html/template"
	"strings"
)

// Line is a line chart of values at equal steps.
type Line struct {
	Title, Desc   string
	Values        []int
	Width, Height int    // the viewBox; 0 means 600×160
	FirstLabel    string // under the first point, e.g. a date
	LastLabel     string // under the last point
	Class         string // CSS class of the <svg>; "" means "chart"
}

// SVG returns the chart as inline SVG. Text is escaped; the shape is
// numbers only.
func (l Line) SVG() template.HTML {
	w, h := l.Width, l.Height
	if w <= 0 || h <= 0 {
		w, h = 600, 160
	}
	class := l.Class
	if class == "" {
		class = "chart"
	}
	padX, padTop, padBottom := 4.0, 6.0, 4.0
	labels := l.FirstLabel != "" || l.LastLabel != ""
	if labels {
		padBottom = 20
	}
	max := 0
	for _, v := range l.Values {
		max = maxInt(max, v)
	}
	plotW, plotH := float64(w)-2*padX, float64(h)-padTop-padBottom
	var pts []string
	n := len(l.Values)
	for i, v := range l.Values {
		x := padX
		if n > 1 {
			x += plotW * float64(i) / float64(n-1)
		}
		y := padTop + plotH
		if max > 0 {
			y -= plotH * float64(v) / float64(max)
		}
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="%s" viewBox="0 0 %d %d" role="img" xmlns="http://www.w3.org/2000/svg">`,
		html.EscapeString(class), w, h)
	fmt.Fprintf(&b, `<title>%s</title><desc>%s</desc>`, html.EscapeString(l.Title), html.EscapeString(l.Desc))
	base := padTop + plotH
	fmt.Fprintf(&b, `<line class="axis" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, padX, base, padX+plotW, base)
	if len(pts) > 1 {
		area := fmt.Sprintf("%.1f,%.1f %s %.1f,%.1f", padX, base, strings.Join(pts, " "), padX+plotW, base)
		fmt.Fprintf(&b, `<polygon class="area" points="%s"/>`, area)
		fmt.Fprintf(&b, `<polyline class="line" points="%s"/>`, strings.Join(pts, " "))
	}
	if labels {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s</text>`, padX, h-4, html.EscapeString(l.FirstLabel))
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="end">%s</text>`, padX+plotW, h-4, html.EscapeString(l.LastLabel))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built from escaped text and numbers
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}
