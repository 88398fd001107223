package graph

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tributary-lineage/tributary/internal/graphtest"
)

// olEvent is a COMPLETE run of job ns/load writing db.MART.TOTALS from db.RAW.ORDERS.
type olWrite struct {
	ev      OpenLineageEvent
	lineage []StatementLineage
}

func olEvent(db, ns, run string, at time.Time, edges ...Edge) olWrite {
	target := obj(db, "MART", "TOTALS")
	return olWrite{
		ev: OpenLineageEvent{
			Run: &JobRun{Namespace: ns, Name: "load", RunID: run, State: RunComplete, EventTime: at},
			Datasets: []EventDataset{{ID: obj(db, "RAW", "ORDERS"), Kind: KindTable, Namespace: "snowflake://o-a", Name: db + ".RAW.ORDERS",
				Columns: []Column{{"ID", 1, "NUMBER"}, {"AMOUNT", 2, "NUMBER"}, {"STATUS", 3, "TEXT"}}}},
		},
		lineage: []StatementLineage{{Origin: OriginOpenLineage, Source: "openlineage", Statement: ns + "/load", Run: run,
			Target: target, Columns: []Column{{"ID", 1, ""}, {"TOTAL", 2, "NUMBER"}}, Seen: at,
			Edges: edges, Inputs: []Input{{Column: col(db, "RAW", "ORDERS", "STATUS"), Subtype: SubtypeFilter}}}},
	}
}

func olRunState(t *testing.T, s *Store, ns string) map[string]string {
	t.Helper()
	jr, err := s.JobRuns(context.Background(), ns, "load", 10)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range jr.Runs {
		out[r.RunID] = r.State
	}
	return out
}

func TestWriteOpenLineage(t *testing.T) {
	s, _ := newTestStore(t)
	w := NewWriter(s, nil)
	db := testDB(t)
	ns := graphtest.Name(t, "TT_JOB_")
	graphtest.CleanupJobs(t, s, ns)
	ctx := context.Background()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	target := obj(db, "MART", "TOTALS")
	idEdge := edge(target.Column("ID"), col(db, "RAW", "ORDERS", "ID"), EdgeDirect, SubtypeIdentity)
	sumEdge := edge(target.Column("TOTAL"), col(db, "RAW", "ORDERS", "AMOUNT"), EdgeDirect, SubtypeAggregation)
	write := func(ow olWrite) OpenLineageResult {
		t.Helper()
		res, err := w.WriteOpenLineage(ctx, []OpenLineageWrite{{Event: ow.ev, Lineage: ow.lineage}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res[0]
	}
	upstream := func() []Edge {
		t.Helper()
		var out []Edge
		for _, c := range []string{"ID", "TOTAL"} {
			sg, err := s.Upstream(ctx, target.Column(c), 1)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range sg.Edges {
				out = append(out, Edge{From: e.From, To: e.To, Type: e.Type, Subtype: e.Subtype})
			}
		}
		return out
	}

	// COMPLETE before START: the run is complete, its lineage written.
	if res := write(olEvent(db, ns, "run-1", t0, idEdge, sumEdge)); !res.Latest {
		t.Fatalf("first COMPLETE: %+v", res)
	}
	late := olWrite{ev: OpenLineageEvent{Run: &JobRun{Namespace: ns, Name: "load", RunID: "run-1", State: RunStart, EventTime: t0.Add(-time.Minute)}}}
	write(late)
	if d := cmp.Diff(map[string]string{"run-1": RunComplete}, olRunState(t, s, ns)); d != "" {
		t.Errorf("after a late START (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]Edge{idEdge, sumEdge}, upstream()); d != "" {
		t.Errorf("edges (-want +got):\n%s", d)
	}

	// Replaying the same COMPLETE changes nothing.
	before := takeSnapshot(t, s, db)
	write(olEvent(db, ns, "run-1", t0, idEdge, sumEdge))
	write(late)
	if d := cmp.Diff(before, takeSnapshot(t, s, db)); d != "" {
		t.Errorf("replay changed the graph (-before +after):\n%s", d)
	}

	// An edge of another job into the same output stays when this job's lineage is replaced.
	other := olEvent(db, ns+"_OTHER", "run-x", t0, edge(target.Column("TOTAL"), col(db, "RAW", "ORDERS", "ID"), EdgeDirect, SubtypeTransformation))
	other.ev.Run.Name = "other"
	other.lineage[0].Statement = ns + "_OTHER/other"
	graphtest.CleanupJobs(t, s, ns+"_OTHER")

	// In one batch with the other job, the next run's COMPLETE replaces the job's edges: TOTAL
	// no longer reads AMOUNT.
	next := olEvent(db, ns, "run-2", t0.Add(time.Hour), idEdge)
	res, err := w.WriteOpenLineage(ctx, []OpenLineageWrite{{Event: other.ev, Lineage: other.lineage}, {Event: next.ev, Lineage: next.lineage}}, nil)
	if err != nil || len(res) != 2 || !res[0].Latest || !res[1].Latest {
		t.Fatalf("batch: %+v %v", res, err)
	}
	if _, err := w.WriteOpenLineage(ctx, []OpenLineageWrite{{Event: next.ev}, {Event: next.ev}}, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("a batch with one job twice: %v, want ErrInvalid", err)
	}
	want := []Edge{idEdge, edge(target.Column("TOTAL"), col(db, "RAW", "ORDERS", "ID"), EdgeDirect, SubtypeTransformation)}
	if d := cmp.Diff(want, upstream()); d != "" {
		t.Errorf("after run-2 (-want +got):\n%s", d)
	}
	// run-1's COMPLETE arriving again, late: recorded, but not the job's lineage any more.
	if res := write(olEvent(db, ns, "run-1", t0, idEdge, sumEdge)); res.Latest {
		t.Errorf("a replay of an older run is latest: %+v", res)
	}
	if d := cmp.Diff(want, upstream()); d != "" {
		t.Errorf("after a late run-1 (-want +got):\n%s", d)
	}
	jr, err := s.JobRuns(ctx, ns, "load", 10)
	if err != nil {
		t.Fatal(err)
	}
	if jr.LastCompleteRun != "run-2" || len(jr.Runs) != 2 || jr.Runs[0].RunID != "run-2" || !jr.Runs[1].StartedAt.Equal(t0.Add(-time.Minute)) {
		t.Errorf("job runs: %+v", jr)
	}
	if _, err := s.JobRuns(ctx, ns, "nope", 10); err == nil {
		t.Error("runs of an unknown job: no error")
	}
}
