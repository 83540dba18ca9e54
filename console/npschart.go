package console

import (
	"fmt"
	"html/template"
	"slices"
	"strings"

	"github.com/outreach-dev/outreach"
)

// npsMonth is the NPS of one calendar month's answers.
type npsMonth struct {
	Month                          string // YYYY-MM
	Answers, Promoters, Detractors int
	NPS                            int
}

// npsByMonth groups NPS answers (CSAT campaigns left out) by month, oldest
// first.
func npsByMonth(answers []outreach.AccountAnswer, csat []string) []npsMonth {
	by := map[string]*npsMonth{}
	for _, a := range answers {
		if slices.Contains(csat, a.Campaign) {
			continue
		}
		k := a.At.UTC().Format("2006-01")
		m := by[k]
		if m == nil {
			m = &npsMonth{Month: k}
			by[k] = m
		}
		m.Answers++
		switch {
		case a.Score >= 9:
			m.Promoters++
		case a.Score <= 6:
			m.Detractors++
		}
	}
	out := make([]npsMonth, 0, len(by))
	for _, m := range by {
		m.NPS = *outreach.NPSOf(m.Answers, m.Promoters, m.Detractors)
		out = append(out, *m)
	}
	slices.SortFunc(out, func(a, b npsMonth) int { return strings.Compare(a.Month, b.Month) })
	return out
}

// npsChart draws months as an SVG bar chart from -100 to +100 with a
// <title> and a <desc> that says every value (the page also has a table).
func npsChart(months []npsMonth, title string) template.HTML {
	if len(months) == 0 {
		return ""
	}
	const w, h, mid, scale = 640, 220, 110.0, 0.9 // px per NPS point
	bw := float64(w-40) / float64(len(months))
	var b strings.Builder
	var desc []string
	for _, m := range months {
		desc = append(desc, fmt.Sprintf("%s: %d (%d answers)", m.Month, m.NPS, m.Answers))
	}
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="nps-t nps-d" xmlns="http://www.w3.org/2000/svg">`, w, h)
	fmt.Fprintf(&b, `<title id="nps-t">%s</title><desc id="nps-d">%s</desc>`, template.HTMLEscapeString(title), template.HTMLEscapeString(strings.Join(desc, "; ")))
	fmt.Fprintf(&b, `<line class="axis" x1="36" y1="%g" x2="%d" y2="%g"/>`, mid, w, mid)
	for _, y := range []string{"+100", "0", "-100"} {
		var v float64
		fmt.Sscan(y, &v)
		fmt.Fprintf(&b, `<text x="0" y="%g">%s</text>`, mid-v*scale+4, y)
	}
	for i, m := range months {
		x := 40 + float64(i)*bw
		y, hgt := mid-float64(m.NPS)*scale, float64(m.NPS)*scale
		if m.NPS < 0 {
			y, hgt = mid, -hgt
		}
		cls := "bar good"
		if m.NPS < 0 {
			cls = "bar bad"
		}
		fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`, cls, x+2, y, bw-4, max(hgt, 1))
		fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s</text>`, x+2, h-2, m.Month)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every value written is a number or escaped above
}
