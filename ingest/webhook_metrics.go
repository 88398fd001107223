package ingest

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// RegisterMetrics exposes what the last outbox sweep found: events not yet delivered,
// the age of the oldest, and events some webhook refused or never acknowledged.
func (w *Webhooks) RegisterMetrics(reg prometheus.Registerer) {
	last := w.LastSweep
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "tributary_change_events_pending",
			Help: "Change events in the outbox not yet delivered to every webhook (at the last sweep).",
		}, func() float64 { return float64(last().Pending) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "tributary_change_events_oldest_pending_seconds",
			Help: "Age of the oldest undelivered change event at the last sweep (0 when none).",
		}, func() float64 {
			if o := last().OldestPending; !o.IsZero() {
				return time.Since(o).Seconds()
			}
			return 0
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "tributary_change_events_failed",
			Help: "Retained change events that some webhook refused (4xx) or never acknowledged within its retries.",
		}, func() float64 { return float64(last().Failed) }),
	)
}
