package graph

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/tributary-lineage/tributary/cypher"
)

// Origin of edges written from OpenLineage events.
const OriginOpenLineage = "openlineage"

// KindExternal is the kind of a dataset outside Snowflake that OpenLineage events name.
const KindExternal = "external"

// Run states of OpenLineage runs (RunEvent.eventType).
const (
	RunOther    = "OTHER"
	RunStart    = "START"
	RunRunning  = "RUNNING"
	RunComplete = "COMPLETE"
	RunFail     = "FAIL"
	RunAbort    = "ABORT"
)

// runRank orders run states: a run's state moves only forward (terminal states last).
func runRank(state string) (int64, bool) {
	switch state {
	case RunOther:
		return 0, true
	case RunStart:
		return 1, true
	case RunRunning:
		return 2, true
	case RunComplete, RunFail, RunAbort:
		return 3, true
	}
	return 0, false
}

// JobRun is one run event of an OpenLineage job.
type JobRun struct {
	Namespace, Name string // the job
	RunID           string
	State           string // RunStart, ..., RunOther
	EventTime       time.Time
	Error           string // a FAIL's or ABORT's error message
}

// Job is the job's identity as the statement of the edges it writes: "namespace/name".
func (r JobRun) Job() string { return r.Namespace + "/" + r.Name }

// EventDataset is a dataset an OpenLineage event names.
type EventDataset struct {
	ID        ObjectID
	Kind      string // KindTable or KindExternal
	Namespace string // the event's namespace and name of the dataset
	Name      string
	Columns   []Column // added to the dataset's columns; nil: none known
}

// JobLineage is what an OpenLineage job's latest completed run wrote into one output.
type JobLineage struct {
	Target  ObjectID
	Columns []Column // the output's columns the job writes (added when missing)
	Edges   []Edge   // every From is a column of Target
	Inputs  []Input  // dataset-level inputs
}

// OpenLineageEvent is what one OpenLineage event stores: the datasets it names, its run (nil
// for a DatasetEvent) and, for a COMPLETE run or a JobEvent, the lineage of its outputs.
type OpenLineageEvent struct {
	Run      *JobRun
	Datasets []EventDataset
	Lineage  []JobLineage
}

// OpenLineageResult says what WriteOpenLineage did with an event's lineage.
type OpenLineageResult struct {
	// Latest is false when a COMPLETE run older than the job's last one arrived late: its
	// run is recorded, its lineage is not (the job's lineage is its latest run's).
	Latest bool
	Edges  int64 // edges written
}

// WriteOpenLineage writes one event in one transaction: its datasets and their columns, its
// job and run (whose state only moves forward, so replays and late events change nothing),
// and, when the run is the job's latest COMPLETE (or the event is a JobEvent, Run.RunID
// empty), the job's edges into each output, replacing those an earlier run of the job wrote
// there. Edges of other jobs and of view definitions are left alone. A JobEvent is a Run
// without RunID (state RunOther): its job is recorded and its lineage is the job's.
func (s *Store) WriteOpenLineage(ctx context.Context, ev OpenLineageEvent) (OpenLineageResult, error) {
	datasets, err := eventDatasetRows(ev)
	if err != nil {
		return OpenLineageResult{}, fmt.Errorf("write openlineage event: %w", err)
	}
	var runRow map[string]any
	statement, runID := "", ""
	seen := time.Now().UTC()
	if ev.Run != nil {
		rank, ok := runRank(ev.Run.State)
		if !ok || ev.Run.Namespace == "" || ev.Run.Name == "" {
			return OpenLineageResult{}, invalidf("write openlineage event: job %q run state %q", ev.Run.Job(), ev.Run.State)
		}
		statement, runID = ev.Run.Job(), ev.Run.RunID
		if !ev.Run.EventTime.IsZero() {
			seen = ev.Run.EventTime.UTC()
		}
		runRow = map[string]any{"namespace": ev.Run.Namespace, "name": ev.Run.Name, "job": statement,
			"runId": ev.Run.RunID, "state": ev.Run.State, "rank": rank,
			"eventTime": seen.Format(time.RFC3339Nano), "error": nullable(ev.Run.Error)}
	}
	if len(ev.Lineage) > 0 && statement == "" {
		return OpenLineageResult{}, invalidf("write openlineage event: lineage without a job")
	}
	lin, err := jobLineageRows(ev.Lineage)
	if err != nil {
		return OpenLineageResult{}, fmt.Errorf("write openlineage event %s: %w", statement, err)
	}
	session := s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.database, AccessMode: neo4j.AccessModeWrite})
	defer session.Close(ctx)
	out, err := session.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		res := OpenLineageResult{Latest: true}
		if _, err := runCount(ctx, tx, cypher.OpenLineageUpsertDatasets, map[string]any{"datasets": datasets}); err != nil {
			return nil, fmt.Errorf("datasets: %w", err)
		}
		if runRow != nil {
			latest, err := recordRun(ctx, tx, runRow)
			if err != nil {
				return nil, err
			}
			res.Latest = latest
		}
		if !res.Latest || len(ev.Lineage) == 0 {
			return res, nil
		}
		params := map[string]any{"statement": statement, "run": nullable(runID), "seen": seen.Format(time.RFC3339Nano)}
		steps := []writeStep{
			{"source columns", cypher.UpsertSourceColumns, map[string]any{"sources": lin.sources}, -1},
			{"stale edges", cypher.OpenLineageDeleteStaleJobEdges, with(params, "targets", lin.targets), -1},
			{"edges", cypher.OpenLineageUpsertJobEdges, with(params, "edges", lin.edges), int64(len(lin.edges))},
			{"inputs", cypher.OpenLineageUpsertJobInputs, with(params, "inputs", lin.inputs), int64(len(lin.inputs))},
		}
		if err := runSteps(ctx, tx, steps); err != nil {
			return nil, err
		}
		res.Edges = int64(len(lin.edges))
		return res, nil
	})
	if err != nil {
		return OpenLineageResult{}, fmt.Errorf("write openlineage event %s: %w", statement, err)
	}
	return out.(OpenLineageResult), nil
}

func with(params map[string]any, k string, v any) map[string]any {
	out := make(map[string]any, len(params)+1)
	for key, val := range params {
		out[key] = val
	}
	out[k] = v
	return out
}

// recordRun records the run (the job alone for a JobEvent, which has no run id) and reports
// whether its lineage is the job's latest.
func recordRun(ctx context.Context, tx neo4j.ManagedTransaction, run map[string]any) (bool, error) {
	stmt := cypher.OpenLineageRecordRun
	if run["runId"] == "" {
		stmt = cypher.OpenLineageUpsertJob
	}
	res, err := tx.Run(ctx, stmt, map[string]any{"run": run})
	if err != nil {
		return false, fmt.Errorf("record run: %w", err)
	}
	rec, err := res.Single(ctx)
	if err != nil {
		return false, fmt.Errorf("record run: %w", err)
	}
	latest, _, err := neo4j.GetRecordValue[bool](rec, "latest")
	if err != nil {
		return false, fmt.Errorf("record run: %w", err)
	}
	return latest, nil
}

// eventDatasetRows are the rows of OpenLineageUpsertDatasets: the event's datasets, then each
// lineage target (known: a job writes it) with the columns the job writes.
func eventDatasetRows(ev OpenLineageEvent) ([]any, error) {
	type row struct {
		ds    EventDataset
		known bool
	}
	var rows []row
	at := map[ObjectID]int{}
	add := func(ds EventDataset, known bool) error {
		if err := ds.ID.Validate(); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		i, ok := at[ds.ID]
		if !ok {
			at[ds.ID] = len(rows)
			rows = append(rows, row{ds: ds, known: known || ds.Columns != nil})
			return nil
		}
		r := &rows[i]
		r.known = r.known || known || ds.Columns != nil
		have := map[string]bool{}
		for _, c := range r.ds.Columns {
			have[c.Name] = true
		}
		for _, c := range ds.Columns {
			if !have[c.Name] {
				r.ds.Columns = append(slices.Clip(r.ds.Columns), c)
			}
		}
		return nil
	}
	for _, ds := range ev.Datasets {
		if err := add(ds, false); err != nil {
			return nil, err
		}
	}
	for _, l := range ev.Lineage {
		kind := KindTable
		if i, ok := at[l.Target]; ok {
			kind = rows[i].ds.Kind
		}
		if err := add(EventDataset{ID: l.Target, Kind: kind, Columns: l.Columns}, true); err != nil {
			return nil, err
		}
	}
	out := make([]any, 0, len(rows))
	for _, r := range rows {
		cols := make([]any, 0, len(r.ds.Columns))
		seen := map[string]bool{}
		for _, c := range r.ds.Columns {
			if c.Name == "" || seen[c.Name] {
				return nil, invalidf("dataset %s: empty or repeated column %q", r.ds.ID, c.Name)
			}
			seen[c.Name] = true
			row := columnRow(r.ds.ID.Column(c.Name), c)
			if c.Ordinal <= 0 {
				row["ordinal"] = nil
			}
			cols = append(cols, row)
		}
		var olName any
		if r.ds.Kind == KindExternal {
			olName = r.ds.Name
		}
		out = append(out, map[string]any{
			"id": r.ds.ID.String(), "name": r.ds.ID.Name,
			"schemaId": r.ds.ID.SchemaID(), "schema": r.ds.ID.Schema,
			"databaseId": QuoteIdentifier(r.ds.ID.Database), "database": r.ds.ID.Database,
			"search": objectSearchProps(r.ds.ID), "kind": r.ds.Kind, "known": r.known,
			"namespace": nullable(r.ds.Namespace), "olName": olName, "columns": cols,
		})
	}
	return out, nil
}

type jobLineageParams struct {
	sources, targets, edges, inputs []any
}

// jobLineageRows validates a job's lineage and turns it into statement parameters.
func jobLineageRows(ls []JobLineage) (jobLineageParams, error) {
	var p jobLineageParams
	seenSource := map[ColumnID]bool{}
	seenTarget := map[ObjectID]bool{}
	for _, l := range ls {
		if seenTarget[l.Target] {
			return p, invalidf("output %s listed twice", l.Target)
		}
		seenTarget[l.Target] = true
		id := l.Target.String()
		edgeKeys, inputKeys := []any{}, []any{}
		seenEdge := map[edgeKey]bool{}
		for _, e := range l.Edges {
			if e.From.Object() != l.Target {
				return p, invalidf("edge from %s: not a column of output %s", e.From, l.Target)
			}
			if err := e.To.Validate(); err != nil {
				return p, fmt.Errorf("%w: edge from %s: %w", ErrInvalid, e.From, err)
			}
			if !e.Type.Valid() || !e.Subtype.Valid() {
				return p, invalidf("edge %s -> %s: type %q subtype %q", e.From, e.To, e.Type, e.Subtype)
			}
			if seenEdge[keyOf(e)] {
				continue
			}
			seenEdge[keyOf(e)] = true
			edgeKeys = append(edgeKeys, []any{e.From.String(), e.To.String(), string(e.Type), string(e.Subtype)})
			p.edges = append(p.edges, map[string]any{
				"from": e.From.String(), "to": e.To.String(), "view": id,
				"type": string(e.Type), "subtype": string(e.Subtype),
				"expression": nullable(e.Expression), "masking": e.Masking, "verification": verification(e.Unverified),
				"steps": stepExpressions(e.Steps), "stepRelations": stepRelations(e.Steps),
			})
			for _, c := range []ColumnID{e.From, e.To} {
				if !seenSource[c] {
					seenSource[c] = true
					p.sources = append(p.sources, sourceRow(c))
				}
			}
		}
		seenInput := map[Input]bool{}
		for _, in := range l.Inputs {
			if err := in.Column.Validate(); err != nil {
				return p, fmt.Errorf("%w: input of %s: %w", ErrInvalid, l.Target, err)
			}
			if !in.Subtype.Valid() {
				return p, invalidf("input %s of %s: subtype %q", in.Column, l.Target, in.Subtype)
			}
			if seenInput[in] {
				continue
			}
			seenInput[in] = true
			inputKeys = append(inputKeys, []any{in.Column.String(), string(in.Subtype)})
			p.inputs = append(p.inputs, map[string]any{"target": id, "column": in.Column.String(), "subtype": string(in.Subtype)})
			if !seenSource[in.Column] {
				seenSource[in.Column] = true
				p.sources = append(p.sources, sourceRow(in.Column))
			}
		}
		p.targets = append(p.targets, map[string]any{"id": id, "edgeKeys": edgeKeys, "inputKeys": inputKeys})
	}
	return p, nil
}

// JobRuns is a job with its most recent runs.
type JobRuns struct {
	Namespace, Name  string
	LastCompleteRun  string
	LastCompleteTime time.Time
	Runs             []RunInfo
}

// RunInfo is one run of a job as stored.
type RunInfo struct {
	RunID     string
	State     string
	EventTime time.Time // of the event that set State
	StartedAt time.Time
	EndedAt   time.Time
	Error     string
}

// JobRuns reads a job and its most recent runs (at most limit, newest first); ErrNotFound
// when no event named the job.
func (s *Store) JobRuns(ctx context.Context, namespace, name string, limit int) (JobRuns, error) {
	if limit < 1 || limit > 1000 {
		return JobRuns{}, invalidf("limit %d, want 1..1000", limit)
	}
	res, err := neo4j.ExecuteQuery(ctx, s.driver, cypher.OpenLineageJobRuns,
		map[string]any{"namespace": namespace, "name": name, "limit": int64(limit)},
		neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(s.database), neo4j.ExecuteQueryWithReadersRouting())
	if err != nil {
		return JobRuns{}, fmt.Errorf("runs of job %s/%s: %w", namespace, name, err)
	}
	if len(res.Records) == 0 {
		return JobRuns{}, fmt.Errorf("job %s/%s: %w", namespace, name, ErrNotFound)
	}
	rec := res.Records[0]
	job, _, err := neo4j.GetRecordValue[map[string]any](rec, "job")
	if err != nil {
		return JobRuns{}, fmt.Errorf("runs of job %s/%s: %w", namespace, name, err)
	}
	runs, _, err := neo4j.GetRecordValue[[]any](rec, "runs")
	if err != nil {
		return JobRuns{}, fmt.Errorf("runs of job %s/%s: %w", namespace, name, err)
	}
	out := JobRuns{Namespace: namespace, Name: name, LastCompleteRun: str(job, "lastCompleteRun"), LastCompleteTime: timeOf(job, "lastCompleteTime").UTC()}
	for _, r := range runs {
		m, _ := r.(map[string]any)
		out.Runs = append(out.Runs, RunInfo{RunID: str(m, "runId"), State: str(m, "state"), EventTime: timeOf(m, "eventTime").UTC(),
			StartedAt: timeOf(m, "startedAt").UTC(), EndedAt: timeOf(m, "endedAt").UTC(), Error: str(m, "error")})
	}
	return out, nil
}
