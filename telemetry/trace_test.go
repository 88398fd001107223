package telemetry

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/tributary-lineage/tributary/cypher"
	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/internal/graphtest"
)

// TestTracedRequestReachesNeo4j sends a request carrying a caller's traceparent to an echo app
// whose handler reads lineage through graph.Store on the wrapped driver, and checks the
// recorded spans form one tree: caller -> HTTP server span -> neo4j session -> read
// transaction -> one query span per statement, with the Cypher the store ran.
func TestTracedRequestReachesNeo4j(t *testing.T) {
	driver := graphtest.Driver(t)
	db := graphtest.Neo4jDatabase()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// Data: T.AMOUNT <- V1.AMOUNT <- V2.TOTAL, written without tracing.
	plain := graph.NewStore(driver, db)
	if _, err := plain.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	name := graphtest.Database(t, plain, "OT_")
	tbl := graph.ObjectID{Database: name, Schema: "RAW", Name: "T"}
	v1 := graph.ObjectID{Database: name, Schema: "S", Name: "V1"}
	v2 := graph.ObjectID{Database: name, Schema: "S", Name: "V2"}
	if err := plain.UpsertTables(ctx, []graph.Table{{ID: tbl, Columns: []graph.Column{{Name: "AMOUNT", Ordinal: 1}}}}); err != nil {
		t.Fatal(err)
	}
	for _, v := range []graph.View{
		{ID: v1, Status: graph.StatusOK, Definition: "select amount from raw.t", Columns: []graph.Column{{Name: "AMOUNT", Ordinal: 1}},
			Edges: []graph.Edge{{From: v1.Column("AMOUNT"), To: tbl.Column("AMOUNT"), Type: graph.EdgeDirect, Subtype: graph.SubtypeIdentity, View: v1}}},
		{ID: v2, Status: graph.StatusOK, Definition: "select sum(amount) total from s.v1", Columns: []graph.Column{{Name: "TOTAL", Ordinal: 1}},
			Edges: []graph.Edge{{From: v2.Column("TOTAL"), To: v1.Column("AMOUNT"), Type: graph.EdgeDirect, Subtype: graph.SubtypeAggregation, View: v2}}},
	} {
		if err := plain.ReplaceViewLineage(ctx, v); err != nil {
			t.Fatal(err)
		}
	}

	p, exp := recorder()
	store := graph.NewStore(WrapDriver(driver, p), db)
	e := echo.New()
	e.Use(EchoMiddleware(p))
	e.GET("/lineage/:column", func(c echo.Context) error {
		col, err := graph.ParseColumnID(c.Param("column"))
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, err.Error())
		}
		sg, err := store.Upstream(c.Request().Context(), col, 5)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]int{"nodes": len(sg.Nodes), "edges": len(sg.Edges)})
	})

	caller := remoteParent(t)
	req := httptest.NewRequest(http.MethodGet, "/lineage/"+v2.Column("TOTAL").String(), nil)
	req.Header.Set("traceparent", "00-"+caller.TraceID().String()+"-"+caller.SpanID().String()+"-01")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var got map[string]int
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got["nodes"] != 3 || got["edges"] != 2 {
		t.Fatalf("upstream answer %s (%v), want 3 nodes and 2 edges", rec.Body, err)
	}
	if h := rec.Header().Get(TraceIDHeader); h != caller.TraceID().String() {
		t.Errorf("%s = %q, want the caller's trace %s", TraceIDHeader, h, caller.TraceID())
	}

	spans := exp.GetSpans()
	for _, s := range spans {
		if s.SpanContext.TraceID() != caller.TraceID() {
			t.Errorf("span %q is in trace %s, want the caller's %s", s.Name, s.SpanContext.TraceID(), caller.TraceID())
		}
	}
	n := byName(spans)
	one := func(name string) tracetest.SpanStub {
		t.Helper()
		if len(n[name]) != 1 {
			t.Fatalf("%d spans named %q, want 1; spans: %v", len(n[name]), name, names(spans))
		}
		return n[name][0]
	}
	server := one("GET /lineage/:column")
	session := one("neo4j session")
	tx := one("neo4j read transaction")
	if server.Parent.SpanID() != caller.SpanID() {
		t.Errorf("server span parent = %s, want the caller's span %s", server.Parent.SpanID(), caller.SpanID())
	}
	if got := attr(server, "http.response.status_code"); got != "200" {
		t.Errorf("server span status code = %q", got)
	}
	if got := attr(server, "http.route"); got != "/lineage/:column" {
		t.Errorf("server span route = %q", got)
	}
	if session.Parent.SpanID() != server.SpanContext.SpanID() {
		t.Errorf("neo4j session is not a child of the server span")
	}
	if got := attr(session, "db.namespace"); got != db {
		t.Errorf("session db.namespace = %q, want %q", got, db)
	}
	if tx.Parent.SpanID() != session.SpanContext.SpanID() {
		t.Errorf("read transaction is not a child of the session")
	}
	var texts []string
	for _, q := range n["neo4j query"] {
		if q.Parent.SpanID() != tx.SpanContext.SpanID() {
			t.Errorf("query span %q is not a child of the transaction", attr(q, "db.query.text"))
		}
		texts = append(texts, attr(q, "db.query.text"))
	}
	// The traversal's two statements, with the Cypher as run: the closure's edges (depth 5,
	// so a bound of 4 hops), then the columns.
	if want := []string{cypher.WithHops(cypher.UpstreamClosure, 4), cypher.ColumnNodes}; !slices.Equal(texts, want) {
		t.Errorf("query spans ran %q, want the upstream closure then the columns; spans: %v", texts, names(spans))
	}
	for _, s := range spans {
		if s.Status.Code == codes.Error {
			t.Errorf("span %q failed: %s", s.Name, s.Status.Description)
		}
	}

	// An error answer marks the server span failed; 4xx does not.
	exp.Reset()
	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/lineage/not-a-column", nil))
	n = byName(exp.GetSpans())
	server = one("GET /lineage/:column")
	if got := attr(server, "http.response.status_code"); got != "400" || server.Status.Code == codes.Error {
		t.Errorf("bad request: status attribute %q, span status %v; want 400 and not an error", got, server.Status.Code)
	}
}

// TestExecuteQueryAndUntracedSessions: neo4j.ExecuteQuery on the wrapped driver is covered by
// a session span; a session opened without a span in its context records nothing.
func TestExecuteQueryAndUntracedSessions(t *testing.T) {
	driver := graphtest.Driver(t)
	p, exp := recorder()
	d := WrapDriver(driver, p)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db := graphtest.Neo4jDatabase()

	if _, err := neo4j.ExecuteQuery(ctx, d, "RETURN 1 AS one", nil, neo4j.EagerResultTransformer,
		neo4j.ExecuteQueryWithDatabase(db), neo4j.ExecuteQueryWithReadersRouting()); err != nil {
		t.Fatal(err)
	}
	if spans := exp.GetSpans(); len(spans) != 0 {
		t.Fatalf("untraced context recorded spans: %v", names(spans))
	}

	pctx, parent := p.Tracer.Tracer("test").Start(ctx, "job")
	if _, err := neo4j.ExecuteQuery(pctx, d, "RETURN 1 AS one", nil, neo4j.EagerResultTransformer,
		neo4j.ExecuteQueryWithDatabase(db), neo4j.ExecuteQueryWithReadersRouting()); err != nil {
		t.Fatal(err)
	}
	// An auto-commit query, and a failing one.
	s := d.NewSession(pctx, neo4j.SessionConfig{DatabaseName: db, AccessMode: neo4j.AccessModeRead})
	res, err := s.Run(pctx, "UNWIND range(1, 3) AS i RETURN i", nil)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := res.Collect(pctx)
	if err != nil || len(recs) != 3 {
		t.Fatalf("collect: %d records, %v", len(recs), err)
	}
	if _, err := s.Run(pctx, "RETURN nope", nil); err == nil {
		t.Fatal("a query naming an unknown variable succeeded")
	}
	if err := s.Close(pctx); err != nil {
		t.Fatal(err)
	}
	parent.End()

	n := byName(exp.GetSpans())
	if len(n["neo4j session"]) != 2 {
		t.Fatalf("%d session spans, want 2 (ExecuteQuery, explicit session): %v", len(n["neo4j session"]), names(exp.GetSpans()))
	}
	for _, s := range n["neo4j session"] {
		if s.Parent.SpanID() != parent.SpanContext().SpanID() {
			t.Errorf("session span is not a child of the caller's span")
		}
	}
	var ok, failed int
	for _, q := range n["neo4j query"] {
		switch attr(q, "db.query.text") {
		case "UNWIND range(1, 3) AS i RETURN i":
			ok++
			if attr(q, "db.response.returned_rows") != "3" || attr(q, "db.operation.name") != "UNWIND" {
				t.Errorf("query span attributes: %v", q.Attributes)
			}
		case "RETURN nope":
			failed++
			if q.Status.Code != codes.Error {
				t.Errorf("failing query span status %v, want Error", q.Status.Code)
			}
		}
	}
	if ok != 1 || failed != 1 {
		t.Errorf("query spans: %d ok, %d failed; want 1 and 1", ok, failed)
	}
}
