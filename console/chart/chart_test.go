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

// TestBandDrawsMarginOfError: the band chart parses as XML, escapes its
// text, draws the band from High down to Low around the line on the fixed
// scale (clamped to it), and a single point as a bar.
func TestBandDrawsMarginOfError(t *testing.T) {
	b := Band{Title: `NPS <by> month`, Desc: `a & b`, Min: -100, Max: 100, Width: 640, Points: []BandPoint{
		{Label: "2026-01", Value: 0, Low: -10, High: 10},
		{Label: "2026-02", Value: 100, Low: 90, High: 110},
	}}
	svg := string(b.SVG())
	if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
		t.Fatalf("not XML: %v\n%s", err, svg)
	}
	if !strings.Contains(svg, "<title>NPS &lt;by&gt; month</title>") || !strings.Contains(svg, "<desc>a &amp; b</desc>") {
		t.Errorf("text not escaped: %s", svg)
	}
	// Plot 40..632 wide, 8..216 high: 0 is at y=112, +100 at 8, 10 points
	// are 10.4 px. High of the second point (110) is clamped to +100.
	if !strings.Contains(svg, `<polygon class="moe" points="40.0,101.6 632.0,8.0 632.0,18.4 40.0,122.4"/>`) {
		t.Errorf("band polygon: %s", svg)
	}
	if !strings.Contains(svg, `<polyline class="line" points="40.0,112.0 632.0,8.0"/>`) {
		t.Errorf("line: %s", svg)
	}
	if !strings.Contains(svg, `<title>2026-02: 100.0 [90.0, 100.0]</title>`) {
		t.Errorf("point tooltip: %s", svg)
	}
	one := string(Band{Min: -100, Max: 100, Width: 640, Points: []BandPoint{{Label: "w", Value: 50, Low: 40, High: 60}}}.SVG())
	if !strings.Contains(one, `<rect class="moe" x="324.0" y="49.6" width="24" height="20.8"/>`) {
		t.Errorf("single point: %s", one)
	}
	// Placed by slot: the second of three slots is the middle; labels too
	// close to the one after them are left out.
	slots := string(Band{Min: -100, Max: 100, Width: 640, Slots: 30, Points: []BandPoint{{Label: "a", Slot: 0}, {Label: "b", Slot: 1}, {Label: "c", Slot: 29}}}.SVG())
	if strings.Contains(slots, `>a</text>`) || !strings.Contains(slots, `>b</text>`) || !strings.Contains(slots, `>c</text>`) {
		t.Errorf("labels: %s", slots)
	}
	slots = string(Band{Min: -100, Max: 100, Width: 640, Slots: 3, Points: []BandPoint{{Value: 0, Slot: 0}, {Value: 0, Slot: 1}}}.SVG())
	if !strings.Contains(slots, `<polyline class="line" points="40.0,112.0 336.0,112.0"/>`) {
		t.Errorf("points by slot: %s", slots)
	}
	var long Band
	long.Min, long.Max = -100, 100
	for i := range 53 {
		long.Points = append(long.Points, BandPoint{Label: "L" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Value: 1})
	}
	// 53 steps over 432 units: a label every 9 steps (74.8 units), 6 in all.
	if got := strings.Count(string(long.SVG()), `<text x=`) - 5; got != 6 {
		t.Errorf("%d labels under a 53-step axis, want 6", got)
	}
}
