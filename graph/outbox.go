package graph

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/tributary-lineage/tributary/cypher"
)

// ChangeEvent is an event of the outbox: a :ChangeEvent node written in the transaction of
// the write it describes, so a committed write always has its events, whatever happens to the
// process or the job queue afterwards. A deliverer reads the pending ones of its queue, hands
// them on, and records each target's outcome (SettleChangeEvent).
type ChangeEvent struct {
	ID      string // unique; the same change computed twice has the same id
	Queue   string // the delivery queue that owns the event
	Payload []byte // opaque to the graph (JSON)
	Created time.Time
}

// EventsFunc turns the changes of a write transaction into the events stored with them. It
// runs inside the transaction, possibly more than once when the transaction is retried, and
// must be deterministic in the event ids.
type EventsFunc func(changes []ViewChange) ([]ChangeEvent, error)

// OutboxCounts is the state of one queue's outbox.
type OutboxCounts struct {
	Pending       int       // events not yet settled
	OldestPending time.Time // zero when none is pending
	Failed        int       // settled events that some target refused or never acknowledged
}

// writeEvents stores the events of changes (events may be nil: no outbox) in tx.
func writeEvents(ctx context.Context, tx neo4j.ManagedTransaction, events EventsFunc, changes []ViewChange) error {
	if events == nil {
		return nil
	}
	evs, err := events(changes)
	if err != nil {
		return fmt.Errorf("change events: %w", err)
	}
	if len(evs) == 0 {
		return nil
	}
	rows := make([]any, 0, len(evs))
	for _, e := range evs {
		if e.ID == "" || e.Queue == "" {
			return fmt.Errorf("change events: %w: an event needs an id and a queue", ErrInvalid)
		}
		rows = append(rows, map[string]any{"id": e.ID, "queue": e.Queue, "payload": string(e.Payload), "created": e.Created.UTC()})
	}
	return runSteps(ctx, tx, []writeStep{{"change events", cypher.OutboxUpsertChangeEvents, map[string]any{"events": rows}, int64(len(rows))}})
}

// PendingChangeEvents returns at most limit unsettled events of queue, oldest first, that were
// never handed on or were last handed on before queuedBefore.
func (s *Store) PendingChangeEvents(ctx context.Context, queue string, queuedBefore time.Time, limit int) ([]ChangeEvent, error) {
	res, err := s.read(ctx, cypher.OutboxPendingChangeEvents,
		map[string]any{"queue": queue, "queuedBefore": queuedBefore.UTC(), "limit": int64(limit)})
	if err != nil {
		return nil, fmt.Errorf("pending change events of %s: %w", queue, err)
	}
	out := make([]ChangeEvent, 0, len(res.Records))
	for _, rec := range res.Records {
		e := ChangeEvent{Queue: queue}
		var payload string
		var err error
		if e.ID, _, err = neo4j.GetRecordValue[string](rec, "id"); err == nil {
			if payload, _, err = neo4j.GetRecordValue[string](rec, "payload"); err == nil {
				e.Created, _, err = neo4j.GetRecordValue[time.Time](rec, "created")
			}
		}
		if err != nil {
			return nil, fmt.Errorf("pending change events of %s: %w", queue, err)
		}
		e.Payload = []byte(payload)
		out = append(out, e)
	}
	return out, nil
}

// MarkChangeEventsQueued records that the events ids were handed on at at.
func (s *Store) MarkChangeEventsQueued(ctx context.Context, ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := s.writeQuery(ctx, cypher.OutboxMarkChangeEventsQueued, map[string]any{"ids": ids, "at": at.UTC()}); err != nil {
		return fmt.Errorf("mark %d change events queued: %w", len(ids), err)
	}
	return nil
}

// SettleChangeEvent records the final outcome of delivering event id to target (delivered, or
// failed for good); the event is settled at at once each of targets has an outcome. An event
// that no longer exists (pruned) is not an error.
func (s *Store) SettleChangeEvent(ctx context.Context, id, target string, failed bool, targets []string, at time.Time) error {
	_, err := s.writeQuery(ctx, cypher.OutboxSettleChangeEvent,
		map[string]any{"id": id, "target": target, "failed": failed, "targets": targets, "at": at.UTC()})
	if err != nil {
		return fmt.Errorf("settle change event %s: %w", id, err)
	}
	return nil
}

// PruneChangeEvents deletes at most limit events of queue settled before before, and returns
// how many it deleted.
func (s *Store) PruneChangeEvents(ctx context.Context, queue string, before time.Time, limit int) (int, error) {
	res, err := s.writeQuery(ctx, cypher.OutboxPruneChangeEvents,
		map[string]any{"queue": queue, "before": before.UTC(), "limit": int64(limit)})
	if err != nil {
		return 0, fmt.Errorf("prune change events of %s: %w", queue, err)
	}
	n, err := singleInt(res, "pruned")
	if err != nil {
		return 0, fmt.Errorf("prune change events of %s: %w", queue, err)
	}
	return int(n), nil
}

// ChangeEventCounts returns the state of queue's outbox.
func (s *Store) ChangeEventCounts(ctx context.Context, queue string) (OutboxCounts, error) {
	res, err := s.read(ctx, cypher.OutboxChangeEventCounts, map[string]any{"queue": queue})
	if err != nil {
		return OutboxCounts{}, fmt.Errorf("change event counts of %s: %w", queue, err)
	}
	pending, err := singleInt(res, "pending")
	if err != nil {
		return OutboxCounts{}, fmt.Errorf("change event counts of %s: %w", queue, err)
	}
	failed, err := singleInt(res, "failed")
	if err != nil {
		return OutboxCounts{}, fmt.Errorf("change event counts of %s: %w", queue, err)
	}
	c := OutboxCounts{Pending: int(pending), Failed: int(failed)}
	if oldest, isNil, err := neo4j.GetRecordValue[time.Time](res.Records[0], "oldestPending"); err == nil && !isNil {
		c.OldestPending = oldest.UTC()
	}
	return c, nil
}

// writeQuery runs one auto-committed write statement on the writers.
func (s *Store) writeQuery(ctx context.Context, query string, params map[string]any) (*neo4j.EagerResult, error) {
	return neo4j.ExecuteQuery(ctx, s.driver, query, params, neo4j.EagerResultTransformer,
		neo4j.ExecuteQueryWithDatabase(s.database), neo4j.ExecuteQueryWithWritersRouting())
}

// singleInt reads the integer key from the one record of res.
func singleInt(res *neo4j.EagerResult, key string) (int64, error) {
	if len(res.Records) != 1 {
		return 0, fmt.Errorf("%d records, want 1", len(res.Records))
	}
	v, isNil, err := neo4j.GetRecordValue[int64](res.Records[0], key)
	if err != nil {
		return 0, err
	}
	if isNil {
		return 0, errors.New(key + " is null")
	}
	return v, nil
}
