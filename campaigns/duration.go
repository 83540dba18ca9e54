package campaigns

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Day is the "d" unit of pack durations: exactly 24 hours, whatever the
// calendar says about daylight saving.
const Day = 24 * time.Hour

// durationUnits are the units of pack durations, largest first: a duration
// names each at most once, in this order ("1d12h", not "12h1d").
var durationUnits = []struct {
	name string
	size time.Duration
}{{"d", Day}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}}

// ParseDuration parses a pack duration: whole numbers with the units d, h, m
// and s, largest first ("14d", "2h", "90m", "1d12h"). "0" is zero.
func ParseDuration(s string) (time.Duration, error) {
	const hint = `use whole numbers with the units d, h, m, s, e.g. "14d", "2h", "90m" or "1d12h"`
	if s == "" {
		return 0, fmt.Errorf("empty duration: %s", hint)
	}
	if s == "0" {
		return 0, nil
	}
	if strings.ContainsAny(s, ".,") {
		return 0, fmt.Errorf("invalid duration %q: %s (90m, not 1.5h)", s, hint)
	}
	if strings.HasPrefix(s, "-") {
		return 0, fmt.Errorf("duration %q is negative: %s", s, hint)
	}
	var total time.Duration
	rest, next := s, 0 // next: index in durationUnits of the smallest unit still allowed
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("invalid duration %q: %s", s, hint)
		}
		n, err := strconv.ParseInt(rest[:i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("duration %q is too large", s)
		}
		j := i
		for j < len(rest) && (rest[j] < '0' || rest[j] > '9') {
			j++
		}
		unit := rest[i:j]
		if unit == "" {
			return 0, fmt.Errorf("duration %q needs a unit: %s", s, hint)
		}
		k := next
		for k < len(durationUnits) && durationUnits[k].name != unit {
			k++
		}
		if k == len(durationUnits) {
			if unitIndex(unit) >= 0 {
				return 0, fmt.Errorf("invalid duration %q: write units once each, largest first (d, h, m, s)", s)
			}
			return 0, fmt.Errorf("invalid duration %q: unknown unit %q; %s", s, unit, hint)
		}
		size := durationUnits[k].size
		if n > int64((1<<63-1)/size) || total > (1<<63-1)-time.Duration(n)*size {
			return 0, fmt.Errorf("duration %q is too large", s)
		}
		total += time.Duration(n) * size
		rest, next = rest[j:], k+1
	}
	return total, nil
}

// unitIndex returns the index of unit in durationUnits, or -1.
func unitIndex(unit string) int {
	for i, u := range durationUnits {
		if u.name == unit {
			return i
		}
	}
	return -1
}

// FormatDuration formats d in the pack's notation ("14d", "1d12h", "90m"
// comes out as "1h30m"); ParseDuration(FormatDuration(d)) == d for whole
// seconds.
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	var sb strings.Builder
	if d < 0 {
		sb.WriteByte('-')
		d = -d
	}
	for _, u := range durationUnits {
		if n := d / u.size; n > 0 {
			fmt.Fprintf(&sb, "%d%s", n, u.name)
			d -= n * u.size
		}
	}
	if d > 0 || sb.Len() == 0 {
		fmt.Fprintf(&sb, "%dns", d)
	}
	return sb.String()
}
