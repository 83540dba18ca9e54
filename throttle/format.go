package throttle

import (
	"fmt"
	"strings"
	"time"
)

// Reasons are read by people ("why didn't Jane get the NPS survey?"), so
// every instant in them is written in the recipient's zone with its
// abbreviation, durations in the units of the campaign pack (30d, 20h) and
// clock times as in the pack (19:00).

// fmtInstant writes t in loc as "2026-03-03 09:00 -03".
func fmtInstant(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

// fmtClock writes a time of day as "19:00" (or "19:00:30").
func fmtClock(c time.Duration) string {
	h, m, s := int(c/time.Hour), int(c%time.Hour/time.Minute), int(c%time.Minute/time.Second)
	if s != 0 {
		return fmt.Sprintf("%02d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%02d:%02d", h, m)
}

// fmtDuration writes a duration the way the pack does: "30d", "20h", "90m",
// and falls back to Go's notation for odd values.
func fmtDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0s"
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return d.String()
}

var dayNames = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// fmtDays writes a set of weekdays as the pack does, collapsing runs of
// three or more ("mon–fri", "mon, wed, fri", "sat, sun").
// Weeks are written starting on Monday.
func fmtDays(days [7]bool) string {
	order := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
	var parts []string
	for i := 0; i < len(order); {
		if !days[order[i]] {
			i++
			continue
		}
		j := i
		for j+1 < len(order) && days[order[j+1]] {
			j++
		}
		switch {
		case j-i >= 2:
			parts = append(parts, dayNames[order[i]]+"–"+dayNames[order[j]])
		case j == i+1:
			parts = append(parts, dayNames[order[i]], dayNames[order[j]])
		default:
			parts = append(parts, dayNames[order[i]])
		}
		i = j + 1
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// maxListedSlots bounds the slots named in one reason.
const maxListedSlots = 10

// fmtSlots lists slots as "2026-03-02 10:00 UTC (renewal-reminder), ...",
// each time with its zone abbreviation like every other instant in a
// reason (a list can straddle a DST change). With recipients, each slot
// also names who received it: "2026-03-02 10:00 UTC (nps-qbr to
// ann@example.com)"; EraseContact relies on the " to EMAIL)" form to scrub
// an erased address from the reasons that name it.
func fmtSlots(slots []Slot, loc *time.Location, recipients bool) string {
	var sb strings.Builder
	for i, s := range slots {
		if i == maxListedSlots {
			fmt.Fprintf(&sb, " and %d more", len(slots)-i)
			break
		}
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(fmtInstant(s.At, loc))
		var what []string
		if s.Campaign != "" {
			what = append(what, s.Campaign)
		}
		if recipients && s.Recipient != "" {
			what = append(what, "to "+s.Recipient)
		}
		if len(what) > 0 {
			sb.WriteString(" (" + strings.Join(what, " ") + ")")
		}
	}
	return sb.String()
}
