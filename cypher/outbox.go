package cypher

import _ "embed"

// Statements of the change-event outbox (graph.Store's ChangeEvent methods), in outbox/.
var (
	//go:embed outbox/upsert_change_events.cypher
	OutboxUpsertChangeEvents string
	//go:embed outbox/pending_change_events.cypher
	OutboxPendingChangeEvents string
	//go:embed outbox/mark_change_events_queued.cypher
	OutboxMarkChangeEventsQueued string
	//go:embed outbox/settle_change_event.cypher
	OutboxSettleChangeEvent string
	//go:embed outbox/prune_change_events.cypher
	OutboxPruneChangeEvents string
	//go:embed outbox/change_event_counts.cypher
	OutboxChangeEventCounts string
)
