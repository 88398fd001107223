package graph

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/tributary-lineage/tributary/cypher"
)

// StatementLineage is what one statement says about the dataset it writes: a query from query
// history (INSERT, MERGE, CREATE TABLE AS SELECT...) or an OpenLineage job's run. Unlike a
// definition, it does not own its target: each statement's edges into the target are kept
// apart by (Origin, Statement), so a table written by three INSERTs from three tasks
// accumulates the edges of each, and writing one statement again replaces only its own.
type StatementLineage struct {
	Origin Origin // OriginQueryHistory or OriginOpenLineage
	// Source is the ingestion source (or intake) that wrote it: retention (ExpireStatements)
	// works per source.
	Source string
	// Statement identifies the statement within its origin: the query's normalised hash, the
	// OpenLineage job "namespace/name" (so a job's next run replaces its edges).
	Statement string
	Run       string // the OpenLineage run id; "" otherwise
	// Target is the dataset written; zero for a statement recorded only for its outcome (it did
	// not parse, or names no target), which must then have a Status other than StatusOK.
	Target ObjectID
	Kind   string // the target's kind when this write creates it (KindTable when empty)
	// Columns are target columns the statement writes (with their types when known): added
	// to the target when missing, never removed. Every edge's From column is added too.
	Columns []Column
	Edges   []Edge  // every From is a column of Target
	Inputs  []Input // columns that affect the whole statement (filters, joins)
	Text    string  // the statement's SQL, when it has one
	Status  string  // StatusOK (when empty) or StatusFailed
	Message string  // why it failed (with the position), warnings
	Seen    time.Time
}

// Key is the statement's key in the graph: its origin and identity.
func (s StatementLineage) Key() string { return StatementKey(s.Origin, s.Statement) }

// StatementKey is the key of statement id of origin o (:Statement.key).
func StatementKey(o Origin, id string) string { return string(o) + ":" + id }

// statementsWrite is a validated batch of statements turned into statement parameters.
type statementsWrite struct {
	targets, keys, sources, edges, inputs, statements []any
}

func prepareStatements(batch []StatementLineage) (statementsWrite, error) {
	var w statementsWrite
	type targetRow struct {
		row   map[string]any
		names map[string]bool
	}
	targets := map[ObjectID]*targetRow{}
	var order []ObjectID
	seenKey := map[[2]string]bool{}
	seenSource := map[ColumnID]bool{}
	stmts := map[string]map[string]any{}
	var stmtOrder []string
	for _, s := range batch {
		if s.Origin != OriginQueryHistory && s.Origin != OriginOpenLineage {
			return w, invalidf("statement %q: origin %q, want %q or %q", s.Statement, s.Origin, OriginQueryHistory, OriginOpenLineage)
		}
		if s.Statement == "" || s.Source == "" {
			return w, invalidf("statement of origin %s without an identity or a source", s.Origin)
		}
		status := s.Status
		if status == "" {
			status = StatusOK
		}
		if status != StatusOK && status != StatusFailed {
			return w, invalidf("statement %s: status %q", s.Key(), s.Status)
		}
		key := s.Key()
		row, ok := stmts[key]
		if !ok {
			row = map[string]any{"key": key, "origin": string(s.Origin), "statement": s.Statement, "source": s.Source,
				"run": nullable(s.Run), "text": nullable(s.Text), "status": status,
				"message": nullable(s.Message), "seen": s.Seen.UTC(), "targets": []any{}}
			stmts[key] = row
			stmtOrder = append(stmtOrder, key)
		} else if s.Seen.UTC().After(row["seen"].(time.Time)) {
			row["seen"] = s.Seen.UTC()
		}
		if s.Target == (ObjectID{}) {
			if status == StatusOK || len(s.Edges)+len(s.Columns)+len(s.Inputs) > 0 {
				return w, invalidf("statement %s: lineage without a target", key)
			}
			continue
		}
		if err := s.Target.Validate(); err != nil {
			return w, fmt.Errorf("%w: statement %s: %w", ErrInvalid, key, err)
		}
		if seenKey[[2]string{key, s.Target.String()}] {
			return w, invalidf("statement %s writes %s twice in one batch", key, s.Target)
		}
		seenKey[[2]string{key, s.Target.String()}] = true
		row["targets"] = append(row["targets"].([]any), s.Target.String())
		kind := s.Kind
		if kind == "" {
			kind = KindTable
		}
		if !ValidKind(kind) {
			return w, invalidf("statement %s: kind %q", key, s.Kind)
		}
		t, ok := targets[s.Target]
		if !ok {
			t = &targetRow{names: map[string]bool{}, row: map[string]any{
				"id": s.Target.String(), "name": s.Target.Name, "kind": kind,
				"schemaId": s.Target.SchemaID(), "schema": s.Target.Schema,
				"databaseId": QuoteIdentifier(s.Target.Database), "database": s.Target.Database,
				"search": objectSearchProps(s.Target), "columns": []any{}}}
			targets[s.Target] = t
			order = append(order, s.Target)
		}
		addColumn := func(c Column) {
			if t.names[c.Name] {
				return
			}
			t.names[c.Name] = true
			cid := s.Target.Column(c.Name)
			var ordinal any
			if c.Ordinal > 0 {
				ordinal = int64(c.Ordinal)
			}
			t.row["columns"] = append(t.row["columns"].([]any), map[string]any{"id": cid.String(), "name": c.Name,
				"ordinal": ordinal, "dataType": nullable(c.DataType), "search": columnSearchProps(cid)})
		}
		for _, c := range s.Columns {
			if c.Name == "" {
				return w, invalidf("statement %s: column with empty name", key)
			}
			addColumn(c)
		}
		prov := Provenance{Origin: s.Origin, Statement: s.Statement, Run: s.Run, LastSeen: s.Seen}
		var edgeKeys []any
		seenEdge := map[edgeKey]bool{}
		edges := slices.Clone(s.Edges)
		sortEdges(edges)
		for _, e := range edges {
			if e.From.Object() != s.Target {
				return w, invalidf("statement %s: edge from %s: not a column of %s", key, e.From, s.Target)
			}
			if err := e.To.Validate(); err != nil {
				return w, fmt.Errorf("%w: statement %s: edge from %s: %w", ErrInvalid, key, e.From, err)
			}
			if !e.Type.Valid() || !e.Subtype.Valid() {
				return w, invalidf("statement %s: edge %s -> %s: type %q subtype %q", key, e.From, e.To, e.Type, e.Subtype)
			}
			if seenEdge[keyOf(e)] {
				continue
			}
			seenEdge[keyOf(e)] = true
			addColumn(Column{Name: e.From.Column})
			edgeKeys = append(edgeKeys, []any{e.From.String(), e.To.String(), string(e.Type), string(e.Subtype)})
			w.edges = append(w.edges, edgeRow(e, s.Target.String(), prov))
			if e.To.Object() != s.Target && !seenSource[e.To] {
				seenSource[e.To] = true
				w.sources = append(w.sources, sourceRow(e.To))
			}
		}
		for _, in := range s.Inputs {
			if err := in.Column.Validate(); err != nil {
				return w, fmt.Errorf("%w: statement %s: input: %w", ErrInvalid, key, err)
			}
			if !in.Subtype.Valid() {
				return w, invalidf("statement %s: input %s: subtype %q", key, in.Column, in.Subtype)
			}
			if !seenSource[in.Column] && in.Column.Object() != s.Target {
				seenSource[in.Column] = true
				w.sources = append(w.sources, sourceRow(in.Column))
			}
			var lastSeen any = s.Seen.UTC()
			w.inputs = append(w.inputs, map[string]any{"target": s.Target.String(), "column": in.Column.String(),
				"subtype": string(in.Subtype), "origin": string(s.Origin), "statement": s.Statement, "lastSeen": lastSeen})
		}
		if edgeKeys == nil {
			edgeKeys = []any{}
		}
		w.keys = append(w.keys, map[string]any{"target": s.Target.String(), "origin": string(s.Origin),
			"statement": s.Statement, "edgeKeys": edgeKeys})
	}
	for _, id := range order {
		w.targets = append(w.targets, targets[id].row)
	}
	for _, k := range stmtOrder {
		w.statements = append(w.statements, stmts[k])
	}
	return w, nil
}

// WriteStatements writes a batch of statements in one transaction: their targets and the
// columns they write, each statement's edges and inputs into its target (replacing what the
// same statement wrote there before), and a :Statement node per statement with its text,
// outcome and when it was first and last seen. When events is not nil, it reports per target
// (in first-seen order) what the batch changed (ViewChange: existed, columns added, the
// statement's edges added and removed), and stores the events made of them in the same
// transaction.
func (s *Store) WriteStatements(ctx context.Context, batch []StatementLineage, events EventsFunc) ([]ViewChange, error) {
	if len(batch) == 0 {
		return nil, nil
	}
	w, err := prepareStatements(batch)
	if err != nil {
		return nil, fmt.Errorf("write statements: %w", err)
	}
	session := s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.database, AccessMode: neo4j.AccessModeWrite})
	defer session.Close(ctx)
	changes, err := neo4j.ExecuteWrite(ctx, session, func(tx neo4j.ManagedTransaction) ([]ViewChange, error) {
		var prior []priorStatement
		if events != nil && len(w.keys) > 0 {
			var err error
			if prior, err = readPriorStatements(ctx, tx, w.keys); err != nil {
				return nil, err
			}
		}
		steps := []writeStep{
			{"targets", cypher.StatementsUpsertTargets, map[string]any{"targets": w.targets}, -1},
			{"sources", cypher.UpsertSourceColumns, map[string]any{"sources": w.sources}, -1},
			{"stale edges", cypher.StatementsDeleteStaleEdges, map[string]any{"keys": w.keys}, -1},
			{"edges", cypher.UpsertViewEdges, map[string]any{"edges": w.edges}, int64(len(w.edges))},
			{"inputs", cypher.StatementsUpsertInputs, map[string]any{"inputs": w.inputs}, int64(len(w.inputs))},
			{"statements", cypher.StatementsUpsertStatements, map[string]any{"statements": w.statements}, int64(len(w.statements))},
		}
		if err := runSteps(ctx, tx, steps); err != nil {
			return nil, err
		}
		if events == nil {
			return nil, nil
		}
		out := statementChanges(batch, prior)
		return out, writeEvents(ctx, tx, events, out)
	})
	if err != nil {
		return nil, fmt.Errorf("write %d statement(s) (%s...): %w", len(batch), batch[0].Key(), err)
	}
	return changes, nil
}

// priorStatement is what one statement key had written into its target before a write.
type priorStatement struct {
	target  ObjectID
	key     string
	existed bool
	columns []string
	edges   []Edge
}

func readPriorStatements(ctx context.Context, tx neo4j.ManagedTransaction, keys []any) ([]priorStatement, error) {
	res, err := tx.Run(ctx, cypher.StatementsPriorEdges, map[string]any{"keys": keys})
	if err != nil {
		return nil, fmt.Errorf("prior statements: %w", err)
	}
	recs, err := res.Collect(ctx)
	if err != nil {
		return nil, fmt.Errorf("prior statements: %w", err)
	}
	out := make([]priorStatement, 0, len(recs))
	for _, rec := range recs {
		m := rec.AsMap()
		target, err := parseObjectValue(m["target"])
		if err != nil {
			return nil, fmt.Errorf("prior statements: %w", err)
		}
		p := priorStatement{target: target, key: StatementKey(Origin(str(m, "origin")), str(m, "statement")), existed: flag(m, "existed")}
		for _, c := range m["columns"].([]any) {
			if name, ok := c.(string); ok {
				p.columns = append(p.columns, name)
			}
		}
		for _, e := range m["edges"].([]any) {
			em, _ := e.(map[string]any)
			edge, err := edgeFromMap(em)
			if err != nil {
				return nil, fmt.Errorf("prior statements: %w", err)
			}
			p.edges = append(p.edges, edge)
		}
		out = append(out, p)
	}
	return out, nil
}

// statementChanges is what a batch did to each target, from the prior state of each key.
func statementChanges(batch []StatementLineage, prior []priorStatement) []ViewChange {
	byKey := map[[2]string]priorStatement{}
	for _, p := range prior {
		byKey[[2]string{p.key, p.target.String()}] = p
	}
	var out []ViewChange
	at := map[ObjectID]int{}
	for _, s := range batch {
		if s.Target == (ObjectID{}) {
			continue
		}
		p := byKey[[2]string{s.Key(), s.Target.String()}]
		i, ok := at[s.Target]
		if !ok {
			i = len(out)
			at[s.Target] = i
			out = append(out, ViewChange{View: s.Target, Existed: p.existed,
				After: ViewVersion{Status: StatusOK}, Before: ViewVersion{Status: StatusOK}})
		}
		c := &out[i]
		had := map[string]bool{}
		for _, n := range p.columns {
			had[n] = true
		}
		for _, n := range c.ColumnsAdded {
			had[n] = true
		}
		for _, col := range s.Columns {
			if !had[col.Name] {
				had[col.Name] = true
				c.ColumnsAdded = append(c.ColumnsAdded, col.Name)
			}
		}
		for _, e := range s.Edges {
			if !had[e.From.Column] {
				had[e.From.Column] = true
				c.ColumnsAdded = append(c.ColumnsAdded, e.From.Column)
			}
		}
		edges := make([]Edge, len(s.Edges))
		for j, e := range s.Edges {
			e.Provenance = Provenance{Origin: s.Origin, Statement: s.Statement, Run: s.Run, LastSeen: s.Seen}
			edges[j] = e
		}
		added, removed := diffEdges(s.Target, p.edges, edges)
		c.EdgesAdded = append(c.EdgesAdded, added...)
		c.EdgesRemoved = append(c.EdgesRemoved, removed...)
	}
	return out
}

// SeenStatements returns, of the statement keys given, those already recorded with when each
// was last seen: a refresh of query history skips analysing statements it has seen before.
func (s *Store) SeenStatements(ctx context.Context, keys []string) (map[string]time.Time, error) {
	out := make(map[string]time.Time, len(keys))
	for start := 0; start < len(keys); start += 10_000 {
		res, err := s.read(ctx, cypher.StatementsSeenStatements, map[string]any{"keys": keys[start:min(start+10_000, len(keys))]})
		if err != nil {
			return nil, fmt.Errorf("seen statements: %w", err)
		}
		for _, rec := range res.Records {
			m := rec.AsMap()
			out[str(m, "key")] = timeOf(m, "lastSeen")
		}
	}
	return out, nil
}

// TouchStatements marks recorded statements as seen again at seen (the statement and its
// edges), without writing their lineage again. Keys not recorded are ignored. It returns how
// many statements moved their lastSeen.
func (s *Store) TouchStatements(ctx context.Context, keys []string, seen time.Time) (int, error) {
	n := 0
	for start := 0; start < len(keys); start += 5_000 {
		res, err := neo4j.ExecuteQuery(ctx, s.driver, cypher.StatementsTouchStatements,
			map[string]any{"keys": keys[start:min(start+5_000, len(keys))], "seen": seen.UTC()}, neo4j.EagerResultTransformer,
			neo4j.ExecuteQueryWithDatabase(s.database), neo4j.ExecuteQueryWithWritersRouting())
		if err != nil {
			return n, fmt.Errorf("touch statements: %w", err)
		}
		if len(res.Records) > 0 {
			c, _ := res.Records[0].Values[0].(int64)
			n += int(c)
		}
	}
	return n, nil
}

// ExpireStatements removes the statements of origin o written by source last seen before
// before, with the edges and inputs they wrote (query history's retention), in transactions of
// at most 1,000 statements. It returns how many it removed.
func (s *Store) ExpireStatements(ctx context.Context, o Origin, source string, before time.Time) (int, error) {
	total := 0
	for {
		res, err := neo4j.ExecuteQuery(ctx, s.driver, cypher.StatementsExpireStatements,
			map[string]any{"origin": string(o), "source": source, "before": before.UTC(), "limit": int64(1000)}, neo4j.EagerResultTransformer,
			neo4j.ExecuteQueryWithDatabase(s.database), neo4j.ExecuteQueryWithWritersRouting())
		if err != nil {
			return total, fmt.Errorf("expire %s statements: %w", o, err)
		}
		n := int64(0)
		if len(res.Records) > 0 {
			n, _ = res.Records[0].Values[0].(int64)
		}
		total += int(n)
		if n < 1000 {
			return total, nil
		}
	}
}
