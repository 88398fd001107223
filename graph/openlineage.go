package graph

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/tributary-lineage/tributary/cypher"
)

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

// OpenLineageEvent is what one OpenLineage event records besides its lineage: the datasets it
// names and its run (nil for a DatasetEvent; RunID empty for a JobEvent).
type OpenLineageEvent struct {
	Run      *JobRun
	Datasets []EventDataset
}

// OpenLineageResult says what WriteOpenLineage did with an event's lineage.
type OpenLineageResult struct {
	// Latest is false when a COMPLETE run older than the job's last one arrived late: its
	// run is recorded, its lineage is not (the job's lineage is its latest run's).
	Latest bool
}

// RecordOpenLineage writes a batch of events' datasets and their columns and their jobs and
// runs in one transaction, and reports for each event whether its lineage is the job's latest:
// a COMPLETE at least as recent as the job's last one, or a JobEvent. No two events of a batch
// may be of the same job or run. A run's state only moves forward (OTHER < START < RUNNING <
// COMPLETE, FAIL, ABORT; the later eventTime between equals), so replays and late events
// change nothing.
func (s *Store) RecordOpenLineage(ctx context.Context, batch []OpenLineageEvent) ([]bool, error) {
	var all []EventDataset
	var runs, jobs []any
	seenJob, seenRun := map[string]bool{}, map[string]bool{}
	for i, ev := range batch {
		all = append(all, ev.Datasets...)
		if ev.Run == nil {
			continue
		}
		rank, ok := runRank(ev.Run.State)
		if !ok || ev.Run.Namespace == "" || ev.Run.Name == "" {
			return nil, invalidf("record openlineage events: job %q run state %q", ev.Run.Job(), ev.Run.State)
		}
		key := ev.Run.Namespace + "\x00" + ev.Run.Name
		if seenJob[key] || (ev.Run.RunID != "" && seenRun[ev.Run.RunID]) {
			return nil, invalidf("record openlineage events: job %s or run %s twice in one batch", ev.Run.Job(), ev.Run.RunID)
		}
		seenJob[key], seenRun[ev.Run.RunID] = true, true
		row := map[string]any{"i": int64(i), "namespace": ev.Run.Namespace, "name": ev.Run.Name, "job": ev.Run.Job(),
			"runId": ev.Run.RunID, "state": ev.Run.State, "rank": rank,
			"eventTime": ev.Run.EventTime.UTC(), "error": nullable(ev.Run.Error)}
		if ev.Run.RunID == "" {
			jobs = append(jobs, row)
		} else {
			runs = append(runs, row)
		}
	}
	datasets, err := eventDatasetRows(all)
	if err != nil {
		return nil, fmt.Errorf("record openlineage events: %w", err)
	}
	session := s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.database, AccessMode: neo4j.AccessModeWrite})
	defer session.Close(ctx)
	latest, err := neo4j.ExecuteWrite(ctx, session, func(tx neo4j.ManagedTransaction) ([]bool, error) {
		out := make([]bool, len(batch))
		if _, err := runCount(ctx, tx, cypher.OpenLineageUpsertDatasets, map[string]any{"datasets": datasets}); err != nil {
			return nil, fmt.Errorf("datasets: %w", err)
		}
		for _, st := range []struct {
			query string
			rows  []any
		}{{cypher.OpenLineageRecordRuns, runs}, {cypher.OpenLineageUpsertJobs, jobs}} {
			if len(st.rows) == 0 {
				continue
			}
			res, err := tx.Run(ctx, st.query, map[string]any{"runs": st.rows})
			if err != nil {
				return nil, fmt.Errorf("runs: %w", err)
			}
			recs, err := res.Collect(ctx)
			if err != nil {
				return nil, fmt.Errorf("runs: %w", err)
			}
			for _, rec := range recs {
				i, _, err := neo4j.GetRecordValue[int64](rec, "i")
				if err != nil {
					return nil, fmt.Errorf("runs: %w", err)
				}
				l, _, err := neo4j.GetRecordValue[bool](rec, "latest")
				if err != nil {
					return nil, fmt.Errorf("runs: %w", err)
				}
				out[i] = l
			}
		}
		return out, nil
	})
	if err != nil {
		return nil, fmt.Errorf("record %d openlineage event(s): %w", len(batch), err)
	}
	return latest, nil
}

// eventDatasetRows are the rows of OpenLineageUpsertDatasets: each dataset once (the columns
// of its mentions merged); known when some mention lists columns.
func eventDatasetRows(datasets []EventDataset) ([]any, error) {
	var rows []EventDataset
	at := map[ObjectID]int{}
	for _, ds := range datasets {
		if err := ds.ID.Validate(); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		if !ValidKind(ds.Kind) {
			return nil, invalidf("dataset %s: kind %q", ds.ID, ds.Kind)
		}
		i, ok := at[ds.ID]
		if !ok {
			at[ds.ID] = len(rows)
			rows = append(rows, ds)
			continue
		}
		r := &rows[i]
		have := map[string]bool{}
		for _, c := range r.Columns {
			have[c.Name] = true
		}
		for _, c := range ds.Columns {
			if !have[c.Name] {
				r.Columns = append(slices.Clip(r.Columns), c)
			}
		}
		if r.Columns == nil && ds.Columns != nil {
			r.Columns = []Column{}
		}
	}
	out := make([]any, 0, len(rows))
	for _, ds := range rows {
		cols := make([]any, 0, len(ds.Columns))
		seen := map[string]bool{}
		for _, c := range ds.Columns {
			if c.Name == "" || seen[c.Name] {
				return nil, invalidf("dataset %s: empty or repeated column %q", ds.ID, c.Name)
			}
			seen[c.Name] = true
			row := columnRow(ds.ID.Column(c.Name), c)
			if c.Ordinal <= 0 {
				row["ordinal"] = nil
			}
			cols = append(cols, row)
		}
		var olName any
		if ds.Kind == KindExternal {
			olName = ds.Name
		}
		out = append(out, map[string]any{
			"id": ds.ID.String(), "name": ds.ID.Name,
			"schemaId": ds.ID.SchemaID(), "schema": ds.ID.Schema,
			"databaseId": QuoteIdentifier(ds.ID.Database), "database": ds.ID.Database,
			"search": objectSearchProps(ds.ID), "kind": ds.Kind, "known": ds.Columns != nil,
			"namespace": nullable(ds.Namespace), "olName": olName, "columns": cols,
		})
	}
	return out, nil
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

// DeleteJobs deletes the OpenLineage jobs of namespace, their runs and their statements (not
// the lineage they wrote) and returns how many jobs it deleted.
func (s *Store) DeleteJobs(ctx context.Context, namespace string) (int64, error) {
	res, err := neo4j.ExecuteQuery(ctx, s.driver, cypher.OpenLineageDeleteJobs, map[string]any{"namespace": namespace},
		neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(s.database), neo4j.ExecuteQueryWithWritersRouting())
	if err != nil {
		return 0, fmt.Errorf("delete jobs of %s: %w", namespace, err)
	}
	n, _, err := neo4j.GetRecordValue[int64](res.Records[0], "deleted")
	if err != nil {
		return 0, fmt.Errorf("delete jobs of %s: %w", namespace, err)
	}
	return n, nil
}
