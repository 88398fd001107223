package ingest_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest"
	"github.com/tributary-lineage/tributary/ingest/openlineage"
	"github.com/tributary-lineage/tributary/internal/graphtest"
)

// handedOn is the webhooks publisher, counting the change events each write hands on.
type handedOn struct {
	ingest.Publisher
	mu    sync.Mutex
	count []int
}

func (h *handedOn) Publish(ctx context.Context, events []graph.ChangeEvent) error {
	h.mu.Lock()
	h.count = append(h.count, len(events))
	h.mu.Unlock()
	return h.Publisher.Publish(ctx, events)
}

func (h *handedOn) total() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, c := range h.count {
		n += c
	}
	return n
}

// An OpenLineage job's lineage sends change events like a view's: its first COMPLETE run adds
// the output's edges (source openlineage), a replay of that event changes nothing and sends
// nothing, and its next run, which replaces the edge, sends the edge added and the edge
// removed. The receiver gets each, signed, through the real webhook worker.
func TestOpenLineageChangeEvents(t *testing.T) {
	rcv := newReceiver(t, func(int) int { return http.StatusOK })
	h := newWebhookHarness(t, 1, rcv.srv.URL+"/hook")
	store := newStore(t)
	ns := unique(t, "TJ_")
	graphtest.CleanupJobs(t, store, ns)
	pub := &handedOn{Publisher: h.hooks}
	intake, err := openlineage.NewIntake(graph.NewWriter(store, nil), nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	intake.WithChanges(pub)

	sf := "snowflake://acme-analytics"
	target, orders := h.db+".MART.TOTALS", h.db+".RAW.ORDERS"
	event := func(run, at, source, sub string) []byte {
		return []byte(fmt.Sprintf(`{"eventType":"COMPLETE","eventTime":%q,"producer":"https://example.com/test",
		"schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
		"run":{"runId":%q},"job":{"namespace":%q,"name":"load"},"inputs":[{"namespace":%q,"name":%q}],
		"outputs":[{"namespace":%q,"name":%q,"facets":{"columnLineage":{"_producer":"https://example.com/test",
		  "_schemaURL":"https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json",
		  "fields":{"TOTAL":{"inputFields":[{"namespace":%q,"name":%q,"field":%q,"transformations":[{"type":"DIRECT","subtype":%q}]}]}}}}}]}`,
			at, run, ns, sf, orders, sf, target, sf, orders, source, sub))
	}
	receive := func(body []byte, wantEvents int) {
		t.Helper()
		before := pub.total()
		if _, err := intake.Receive(context.Background(), body); err != nil {
			t.Fatal(err)
		}
		if n := pub.total() - before; n != wantEvents {
			t.Errorf("the write handed on %d change events, want %d", n, wantEvents)
		}
	}
	run1 := event(uuid.NewString(), "2026-01-02T03:00:00Z", "AMOUNT", "AGGREGATION")
	receive(run1, 1)
	receive(run1, 0) // a replay
	receive(event(uuid.NewString(), "2026-01-02T04:00:00Z", "ID", "TRANSFORMATION"), 1)

	got := waitFor(t, rcv, "two events", func(d []delivery) bool { return len(d) >= 2 })
	var recs []ingest.ChangeRecord
	for _, d := range got {
		recs = append(recs, verified(t, d).Data)
	}
	slices.SortFunc(recs, func(a, b ingest.ChangeRecord) int { return a.At.Compare(b.At) })
	type change struct {
		View, Kind, Source           string
		EdgesAdded, EdgesRemoved     []ingest.ChangedEdge
		ColumnsAdded, ColumnsRemoved []string
	}
	var changes []change
	for _, r := range recs {
		changes = append(changes, change{r.View, r.Kind, r.Source, r.EdgesAdded, r.EdgesRemoved, r.ColumnsAdded, r.ColumnsRemoved})
	}
	e := func(source, sub string) ingest.ChangedEdge {
		return ingest.ChangedEdge{From: target + ".TOTAL", To: orders + "." + source, Type: "DIRECT", Subtype: sub}
	}
	// The first run's event is "reanalysed", not "added": the event's datasets are recorded
	// (in a transaction of their own) before its lineage is written, so the table exists then.
	none, noEdges := []string{}, []ingest.ChangedEdge{}
	want := []change{
		{target, ingest.ChangeReanalysed, openlineage.Source, []ingest.ChangedEdge{e("AMOUNT", "AGGREGATION")}, noEdges, []string{"TOTAL"}, none},
		{target, ingest.ChangeReanalysed, openlineage.Source, []ingest.ChangedEdge{e("ID", "TRANSFORMATION")}, []ingest.ChangedEdge{e("AMOUNT", "AGGREGATION")}, none, none},
	}
	if d := cmp.Diff(want, changes); d != "" {
		t.Errorf("change events (-want +got):\n%s", d)
	}
}
