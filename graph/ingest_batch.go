package graph

import (
	"context"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/tributary-lineage/tributary/cypher"
)

// ReplaceViewsLineage writes many views in one write transaction, together with their
// ingestion states (states may be empty; otherwise one per view, any order). Each view's
// columns and edges are replaced, stale ones removed; running it twice leaves the same graph.
// It is the one view write: ReplaceViewLineage is a batch of one. Ingestion uses it to write a batch
// with one commit instead of one per view.
func (s *Store) ReplaceViewsLineage(ctx context.Context, views []View, states []ViewState) error {
	_, err := s.replaceViews(ctx, views, states, false, nil)
	return err
}

// replaceViews is ReplaceViewsLineage; with track it first reads, in the same transaction, the
// state the batch replaces and returns the changes, and stores their events
// (ReplaceViewsLineageChanges).
func (s *Store) replaceViews(ctx context.Context, views []View, states []ViewState, track bool, events EventsFunc) ([]ViewChange, error) {
	if len(views) == 0 {
		return nil, nil
	}
	if len(states) != 0 && len(states) != len(views) {
		return nil, invalidf("replace views lineage: %d states for %d views", len(states), len(views))
	}
	var (
		viewRows, columns, stale, edges, sources []any
		nColumns                                 int
		seenView                                 = make(map[ObjectID]bool, len(views))
		seenSource                               = map[string]bool{}
	)
	for _, v := range views {
		if seenView[v.ID] {
			return nil, invalidf("replace views lineage: view %s listed twice", v.ID)
		}
		seenView[v.ID] = true
		w, err := prepareView(v)
		if err != nil {
			return nil, fmt.Errorf("replace views lineage: %s: %w", v.ID, err)
		}
		viewRows = append(viewRows, w.view)
		columns = append(columns, map[string]any{"id": w.id, "columns": w.columns})
		nColumns += len(w.columns)
		stale = append(stale, map[string]any{"id": w.id, "columnIds": w.columnIDs, "edgeKeys": w.edgeKeys, "origin": w.origin})
		edges = append(edges, w.edges...)
		for _, src := range w.sources {
			id, _ := src.(map[string]any)["id"].(string)
			if !seenSource[id] {
				seenSource[id] = true
				sources = append(sources, src)
			}
		}
	}
	for _, st := range states {
		if !seenView[st.ID] {
			return nil, invalidf("replace views lineage: state of %s, which is not in the batch", st.ID)
		}
	}
	sp, err := prepareStates(states)
	if err != nil {
		return nil, fmt.Errorf("replace views lineage: %w", err)
	}
	ids := make([]string, len(views))
	for i, v := range views {
		ids[i] = v.ID.String()
	}
	session := s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.database, AccessMode: neo4j.AccessModeWrite})
	defer session.Close(ctx)
	changes, err := neo4j.ExecuteWrite(ctx, session, func(tx neo4j.ManagedTransaction) ([]ViewChange, error) {
		// With track, the state this transaction replaces, read before its first write.
		var (
			prior  map[ObjectID]ExportDataset
			broken map[ObjectID][]BrokenColumn
		)
		if track {
			var err error
			if prior, err = readPrior(ctx, tx, ids); err != nil {
				return nil, err
			}
			if broken, err = readBroken(ctx, tx, priorRemoved(views, prior)); err != nil {
				return nil, err
			}
		}
		steps := []writeStep{
			{"views", cypher.IngestBatchUpsertViews, map[string]any{"views": viewRows}, int64(len(viewRows))},
			{"columns", cypher.IngestBatchUpsertViewColumns, map[string]any{"views": columns}, int64(nColumns)},
			{"stale columns", cypher.IngestBatchDeleteStaleViewColumns, map[string]any{"views": stale}, -1},
			{"sources", cypher.UpsertSourceColumns, map[string]any{"sources": sources}, -1},
			{"stale edges", cypher.IngestBatchDeleteStaleViewEdges, map[string]any{"views": stale}, -1},
			{"edges", cypher.UpsertViewEdges, map[string]any{"edges": edges}, int64(len(edges))},
		}
		if err := runSteps(ctx, tx, steps); err != nil {
			return nil, err
		}
		if len(states) > 0 {
			if err := sp.run(ctx, tx); err != nil {
				return nil, err
			}
		}
		if !track {
			return nil, nil
		}
		stateOf := make(map[ObjectID]*ViewState, len(states))
		for i := range states {
			stateOf[states[i].ID] = &states[i]
		}
		out := make([]ViewChange, len(views))
		for i, v := range views {
			d, ok := prior[v.ID]
			out[i] = diffWritten(v, stateOf[v.ID], d, ok, broken[v.ID])
		}
		return out, writeEvents(ctx, tx, events, out)
	})
	if err != nil {
		return nil, fmt.Errorf("replace lineage of %d views (%s...): %w", len(views), views[0].ID, err)
	}
	return changes, nil
}
