package chart

import (
	"encoding/xml"
	"strings"
	"testing"
)

// TestLineIsValidEscapedSVG: the SVG parses as XML, escapes its text and
// puts the highest value at the top of the plot.
func TestLineIsValidEscapedSVG(t *testing.T) {
	svg := string(Line{Title: `Sent <per> day`, Desc: `a & b`, Values: []int{0, 5, 10}, FirstLabel: "Mar 1", LastLabel: "Mar 3"}.SVG())
	if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
		t.Fatalf("not XML: %v\n%s", err, svg)
	}
	if !strings.Contains(svg, "<title>Sent &lt;per&gt; day</title>") || !strings.Contains(svg, "<desc>a &amp; b</desc>") {
		t.Errorf("text not escaped: %s", svg)
	}
	if !strings.Contains(svg, `points="4.0,140.0 300.0,73.0 596.0,6.0"`) {
		t.Errorf("unexpected points: %s", svg)
	}
	empty := string(Line{Values: []int{0, 0}}.SVG())
	if strings.Contains(empty, "NaN") {
		t.Errorf("all-zero chart: %s", empty)
	}
}
