package outreach

import "time"

// OpsStats is what /metrics reports about the outbox, read with indexed
// queries only (store.DB.OpsStats).
type OpsStats struct {
	// Due counts planned deliveries whose not_before has come: the
	// dispatcher's backlog.
	Due int
	// OldestDue is the earliest not_before among them (zero: none).
	OldestDue time.Time
	// ByState counts deliveries per state (every state present, 0 when
	// none).
	ByState map[string]int
}

// DeliveryStates lists the delivery states in lifecycle order.
var DeliveryStates = []string{DeliveryPlanned, DeliverySending, DeliverySent, DeliveryFailed, DeliveryDropped, DeliverySuppressed}
