package telemetry

import (
	"context"
	"strings"
	"sync"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// WrapDriver returns d with every session traced: a "neo4j session" span from NewSession to
// Close, a "neo4j read transaction" / "neo4j write transaction" span per ExecuteRead /
// ExecuteWrite attempt, and a "neo4j query" span per statement run in them (or by session.Run),
// with the Cypher text (always a constant with parameters in Tributary, so it holds no data)
// and the database. neo4j.ExecuteQuery goes through the session's unexported methods, so its
// statements are covered by their session span only. Sessions opened with a context that
// carries no span are not traced (background work such as health checks stays out of traces).
// Pass the result wherever the driver went: graph.NewStore(telemetry.WrapDriver(d, p), db).
//
// With tracing off it returns d itself.
func WrapDriver(d neo4j.DriverWithContext, p *Provider) neo4j.DriverWithContext {
	if !p.Enabled() {
		return d
	}
	return &tracedDriver{DriverWithContext: d, tracer: p.Tracer.Tracer(ScopeName), server: d.Target().Host}
}

type tracedDriver struct {
	neo4j.DriverWithContext
	tracer trace.Tracer
	server string
}

func (d *tracedDriver) NewSession(ctx context.Context, cfg neo4j.SessionConfig) neo4j.SessionWithContext {
	inner := d.DriverWithContext.NewSession(ctx, cfg)
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return inner
	}
	mode := "write"
	if cfg.AccessMode == neo4j.AccessModeRead {
		mode = "read"
	}
	attrs := []attribute.KeyValue{
		attribute.String("db.system.name", "neo4j"),
		attribute.String("db.namespace", cfg.DatabaseName),
		attribute.String("server.address", d.server),
		attribute.String("neo4j.access_mode", mode),
	}
	sctx, span := d.tracer.Start(ctx, "neo4j session", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return &tracedSession{SessionWithContext: inner, tracer: d.tracer, span: span, spanCtx: sctx, attrs: attrs[:3]}
}

type tracedSession struct {
	neo4j.SessionWithContext
	tracer  trace.Tracer
	span    trace.Span
	spanCtx context.Context
	attrs   []attribute.KeyValue
	once    sync.Once
	queries queryTracker
}

// parent returns ctx (for cancellation) carrying the session span (for parenthood).
func (s *tracedSession) parent(ctx context.Context) context.Context {
	return trace.ContextWithSpan(ctx, s.span)
}

func (s *tracedSession) ExecuteRead(ctx context.Context, work neo4j.ManagedTransactionWork, configurers ...func(*neo4j.TransactionConfig)) (any, error) {
	return s.SessionWithContext.ExecuteRead(ctx, s.traceWork(ctx, "neo4j read transaction", work), configurers...)
}

func (s *tracedSession) ExecuteWrite(ctx context.Context, work neo4j.ManagedTransactionWork, configurers ...func(*neo4j.TransactionConfig)) (any, error) {
	return s.SessionWithContext.ExecuteWrite(ctx, s.traceWork(ctx, "neo4j write transaction", work), configurers...)
}

// traceWork wraps one managed transaction function; the driver may call it more than once
// (retries), and each attempt gets its own span.
func (s *tracedSession) traceWork(ctx context.Context, name string, work neo4j.ManagedTransactionWork) neo4j.ManagedTransactionWork {
	return func(tx neo4j.ManagedTransaction) (any, error) {
		// Queries take their parent from the transaction span, see tracedTx.Run.
		_, span := s.tracer.Start(s.parent(ctx), name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(s.attrs...))
		ttx := &tracedTx{ManagedTransaction: tx, tracer: s.tracer, span: span, attrs: s.attrs}
		v, err := work(ttx)
		ttx.queries.endAll()
		errorStatus(span, err)
		span.End()
		return v, err
	}
}

func (s *tracedSession) Run(ctx context.Context, cypher string, params map[string]any, configurers ...func(*neo4j.TransactionConfig)) (neo4j.ResultWithContext, error) {
	span := startQuery(s.tracer, s.parent(ctx), cypher, s.attrs)
	res, err := s.SessionWithContext.Run(ctx, cypher, params, configurers...)
	if err != nil {
		errorStatus(span, err)
		span.End()
		return nil, err
	}
	return s.queries.track(res, span), nil
}

func (s *tracedSession) Close(ctx context.Context) error {
	err := s.SessionWithContext.Close(ctx)
	s.once.Do(func() {
		s.queries.endAll()
		errorStatus(s.span, err)
		s.span.End()
	})
	return err
}

type tracedTx struct {
	neo4j.ManagedTransaction
	tracer  trace.Tracer
	span    trace.Span
	attrs   []attribute.KeyValue
	queries queryTracker
}

// Run starts the query span under the transaction span. Transaction functions usually run
// statements with a context captured from outside, which does not carry the transaction span,
// so the parent is set here; ctx still decides cancellation.
func (t *tracedTx) Run(ctx context.Context, cypher string, params map[string]any) (neo4j.ResultWithContext, error) {
	span := startQuery(t.tracer, trace.ContextWithSpan(ctx, t.span), cypher, t.attrs)
	res, err := t.ManagedTransaction.Run(ctx, cypher, params)
	if err != nil {
		errorStatus(span, err)
		span.End()
		return nil, err
	}
	return t.queries.track(res, span), nil
}

func startQuery(tracer trace.Tracer, ctx context.Context, cypher string, attrs []attribute.KeyValue) trace.Span {
	_, span := tracer.Start(ctx, "neo4j query", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attrs...),
		trace.WithAttributes(
			attribute.String("db.query.text", cypher),
			attribute.String("db.operation.name", firstClause(cypher)),
		))
	return span
}

// firstClause returns the statement's first keyword (MATCH, UNWIND, CALL, ...), skipping
// comments, for db.operation.name.
func firstClause(cypher string) string {
	for _, line := range strings.Split(cypher, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "//") {
			continue
		}
		if f := strings.Fields(line); len(f) > 0 {
			return strings.ToUpper(strings.TrimRight(f[0], "({"))
		}
	}
	return ""
}

// queryTracker ends query spans when their results are consumed, or when the transaction or
// session they belong to ends, whichever comes first.
type queryTracker struct {
	mu    sync.Mutex
	open  []*tracedResult
	ended bool
}

func (q *queryTracker) track(res neo4j.ResultWithContext, span trace.Span) neo4j.ResultWithContext {
	r := &tracedResult{ResultWithContext: res, span: span}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.open = append(q.open, r)
	return r
}

func (q *queryTracker) endAll() {
	q.mu.Lock()
	open := q.open
	q.open = nil
	q.mu.Unlock()
	for _, r := range open {
		r.end(nil)
	}
}

type tracedResult struct {
	neo4j.ResultWithContext
	span trace.Span
	once sync.Once
}

func (r *tracedResult) end(err error) {
	r.once.Do(func() {
		errorStatus(r.span, err)
		r.span.End()
	})
}

func (r *tracedResult) Collect(ctx context.Context) ([]*neo4j.Record, error) {
	recs, err := r.ResultWithContext.Collect(ctx)
	r.span.SetAttributes(attribute.Int("db.response.returned_rows", len(recs)))
	r.end(err)
	return recs, err
}

func (r *tracedResult) Single(ctx context.Context) (*neo4j.Record, error) {
	rec, err := r.ResultWithContext.Single(ctx)
	r.end(err)
	return rec, err
}

func (r *tracedResult) Consume(ctx context.Context) (neo4j.ResultSummary, error) {
	sum, err := r.ResultWithContext.Consume(ctx)
	r.end(err)
	return sum, err
}

func (r *tracedResult) Next(ctx context.Context) bool {
	if r.ResultWithContext.Next(ctx) {
		return true
	}
	r.end(r.ResultWithContext.Err())
	return false
}

func (r *tracedResult) NextRecord(ctx context.Context, record **neo4j.Record) bool {
	if r.ResultWithContext.NextRecord(ctx, record) {
		return true
	}
	r.end(r.ResultWithContext.Err())
	return false
}
