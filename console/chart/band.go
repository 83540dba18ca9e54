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
	// Slots is the number of steps of the horizontal axis (e.g. the
	// months of the period) when the points are placed by their Slot; 0
	// spaces the points evenly.
	Slots int
	Width int // the viewBox width; 0 means 480 (height 240)
}

// BandPoint is one step of a Band: its label under the axis, its value
// and the band from Low to High.
type BandPoint struct {
	Label            string
	Value, Low, High float64
	Slot             int // the step of the axis it is at (with Band.Slots)
}

// labelGap is the room a label under the axis takes (a date at 12 px),
// in viewBox units.
const labelGap = 72.0

// bandLabels picks the points labelled under the axis: the last one, then
// from right to left each one at least labelGap from the label after it.
func bandLabels(n int, x func(int) float64) []bool {
	out := make([]bool, n)
	next := 1e9
	for i := n - 1; i >= 0; i-- {
		if next-x(i) >= labelGap {
			out[i], next = true, x(i)
		}
	}
	return out
}

// SVG returns the chart as inline SVG: horizontal grid lines at the ends,
// the quarters and zero of the scale, the band as one polygon (a bar for a
// single point), the line and a dot per point with a <title> tooltip. Text
// is escaped; the shape is numbers only.
func (b Band) SVG() template.HTML {
	w, h := b.Width, 240
	if w <= 0 {
		w = 480
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
		step, steps := i, n
		if b.Slots > 0 {
			step, steps = min(max(b.Points[i].Slot, 0), b.Slots-1), b.Slots
		}
		if steps == 1 {
			return left + plotW/2
		}
		return left + plotW*float64(step)/float64(steps-1)
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
	labelled := bandLabels(n, x)
	for i, p := range b.Points {
		fmt.Fprintf(&s, `<circle class="dot" cx="%.1f" cy="%.1f" r="3"><title>%s: %.1f [%.1f, %.1f]</title></circle>`,
			x(i), y(p.Value), html.EscapeString(p.Label), p.Value, clamp(p.Low), clamp(p.High))
		if !labelled[i] {
			continue
		}
		anchor := "middle"
		switch {
		case x(i) < left+labelGap/2:
			anchor = "start"
		case x(i) > left+plotW-labelGap/2:
			anchor = "end"
		}
		fmt.Fprintf(&s, `<text x="%.1f" y="%d" text-anchor="%s">%s</text>`, x(i), h-6, anchor, html.EscapeString(p.Label))
	}
	s.WriteString(`</svg>`)
	return template.HTML(s.String()) // built from escaped text and numbers
}
