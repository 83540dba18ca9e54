package chart

import (
	"fmt"
	"html"
	"html/template"
	"strings"
)

// Band is a line chart of values with an uncertainty band around each
// (for the NPS: its 95 % margin of error), on a fixed vertical scale.
type Band struct {
	Title, Desc string
	Points      []BandPoint
	Min, Max    float64 // the vertical scale; the band is clamped to it
	Width       int     // the viewBox width; 0 means 640 (height 240)
}

// BandPoint is one step of a Band: its label under the axis, its value
// and the band from Low to High.
type BandPoint struct {
	Label            string
	Value, Low, High float64
}

// maxBandLabels is how many labels fit under the axis; longer series label
// every k-th step.
const maxBandLabels = 8

// SVG returns the chart as inline SVG: horizontal grid lines at the ends,
// the quarters and zero of the scale, the band as one polygon (a bar for a
// single point), the line and a dot per point with a <title> tooltip. Text
// is escaped; the shape is numbers only.
func (b Band) SVG() template.HTML {
	w, h := b.Width, 240
	if w <= 0 {
		w = 640
	}
	const left, right, top, bottom = 40.0, 8.0, 8.0, 24.0
	plotW, plotH := float64(w)-left-right, float64(h)-top-bottom
	span := b.Max - b.Min
	if span <= 0 {
		span = 1
	}
	clamp := func(v float64) float64 { return min(max(v, b.Min), b.Max) }
	y := func(v float64) float64 { return top + plotH*(b.Max-clamp(v))/span }
	n := len(b.Points)
	x := func(i int) float64 {
		if n == 1 {
			return left + plotW/2
		}
		return left + plotW*float64(i)/float64(n-1)
	}
	var s strings.Builder
	fmt.Fprintf(&s, `<svg class="chart band" viewBox="0 0 %d %d" role="img" xmlns="http://www.w3.org/2000/svg">`, w, h)
	fmt.Fprintf(&s, `<title>%s</title><desc>%s</desc>`, html.EscapeString(b.Title), html.EscapeString(b.Desc))
	for i := 0; i <= 4; i++ {
		v := b.Max - span*float64(i)/4
		cls := "grid"
		if v == 0 {
			cls = "axis"
		}
		fmt.Fprintf(&s, `<line class="%s" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, cls, left, y(v), left+plotW, y(v))
		fmt.Fprintf(&s, `<text x="%.1f" y="%.1f" text-anchor="end">%+g</text>`, left-4, y(v)+4, v)
	}
	if n == 1 {
		p := b.Points[0]
		fmt.Fprintf(&s, `<rect class="moe" x="%.1f" y="%.1f" width="24" height="%.1f"/>`, x(0)-12, y(p.High), y(p.Low)-y(p.High))
	} else if n > 1 {
		var up, down []string
		for i, p := range b.Points {
			up = append(up, fmt.Sprintf("%.1f,%.1f", x(i), y(p.High)))
			down = append([]string{fmt.Sprintf("%.1f,%.1f", x(i), y(p.Low))}, down...)
		}
		fmt.Fprintf(&s, `<polygon class="moe" points="%s %s"/>`, strings.Join(up, " "), strings.Join(down, " "))
		var line []string
		for i, p := range b.Points {
			line = append(line, fmt.Sprintf("%.1f,%.1f", x(i), y(p.Value)))
		}
		fmt.Fprintf(&s, `<polyline class="line" points="%s"/>`, strings.Join(line, " "))
	}
	every := (n + maxBandLabels - 1) / maxBandLabels
	for i, p := range b.Points {
		fmt.Fprintf(&s, `<circle class="dot" cx="%.1f" cy="%.1f" r="3"><title>%s: %.1f [%.1f, %.1f]</title></circle>`,
			x(i), y(p.Value), html.EscapeString(p.Label), p.Value, clamp(p.Low), clamp(p.High))
		// Every k-th step is labelled, and the last one when it is not
		// too close to the label before it.
		if i%every == 0 || (i == n-1 && i%every > every/2) {
			anchor := "middle"
			switch {
			case n > 1 && i == 0:
				anchor = "start"
			case n > 1 && i == n-1:
				anchor = "end"
			}
			fmt.Fprintf(&s, `<text x="%.1f" y="%d" text-anchor="%s">%s</text>`, x(i), h-6, anchor, html.EscapeString(p.Label))
		}
	}
	s.WriteString(`</svg>`)
	return template.HTML(s.String()) // built from escaped text and numbers
}
