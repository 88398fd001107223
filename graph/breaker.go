package graph

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// ErrUnavailable is wrapped by a read refused or failed because Neo4j cannot be reached.
var ErrUnavailable = errors.New("neo4j is unavailable")

// ErrTimeout is wrapped by a read that timed out inside the Neo4j driver (the request's
// deadline, or the driver's own read or write timeout). It wraps context.DeadlineExceeded.
var ErrTimeout = fmt.Errorf("neo4j timed out: %w", context.DeadlineExceeded)

// BreakerOptions tune a Breaker. Zero values take the defaults.
type BreakerOptions struct {
	// RetryInterval is how long the circuit stays open after a failure before a background
	// probe checks Neo4j again (default 500ms). It stays open until a probe succeeds.
	RetryInterval time.Duration
	// ProbeTimeout bounds one background probe (default 2s).
	ProbeTimeout time.Duration
}

// Breaker is a circuit breaker over a Backend's reads and writes. A call that fails because
// Neo4j cannot be reached opens the circuit: from then on calls fail at once with
// ErrUnavailable instead of waiting for the driver's connection and retry timeouts, and one
// background probe at a time (after RetryInterval, off the request path) checks Neo4j; the
// first probe that succeeds closes the circuit. It works like the cache's bypass of a failed
// Redis (CachedReader).
type Breaker struct {
	inner   Backend
	gate    recoveryGate
	lastErr atomic.Pointer[breakerError]
}

type breakerError struct {
	at  time.Time
	err error
}

// NewBreaker returns inner behind a circuit breaker; probe checks that Neo4j answers (the
// driver's VerifyConnectivity).
func NewBreaker(inner Backend, probe func(context.Context) error, opts BreakerOptions) *Breaker {
	if opts.RetryInterval <= 0 {
		opts.RetryInterval = 500 * time.Millisecond
	}
	if opts.ProbeTimeout <= 0 {
		opts.ProbeTimeout = 2 * time.Second
	}
	b := &Breaker{inner: inner}
	b.gate.retry, b.gate.timeout = opts.RetryInterval, opts.ProbeTimeout
	b.gate.probe = func(ctx context.Context) error {
		if err := probe(ctx); err != nil {
			b.lastErr.Store(&breakerError{at: time.Now(), err: err})
			return err
		}
		return nil
	}
	return b
}

// Open reports whether the circuit is open, since when and the failure that opened it.
func (b *Breaker) Open() (bool, time.Time, error) {
	if b.gate.until.Load() == 0 {
		return false, time.Time{}, nil
	}
	e := b.lastErr.Load()
	if e == nil {
		return true, time.Time{}, nil
	}
	return true, e.at, e.err
}

// allow refuses a call while the circuit is open (starting a background probe when the retry
// interval is over).
func (b *Breaker) allow() error {
	if !b.gate.isDown() {
		return nil
	}
	cause := "no answer"
	if e := b.lastErr.Load(); e != nil {
		cause = e.err.Error()
	}
	return fmt.Errorf("%w (circuit open after: %s)", ErrUnavailable, cause)
}

// trip opens the circuit after err.
func (b *Breaker) trip(err error) {
	b.lastErr.Store(&breakerError{at: time.Now(), err: err})
	b.gate.failed()
}

// done classifies err of a call made with ctx: a connectivity failure opens the circuit and
// becomes ErrUnavailable; a timeout becomes ErrTimeout; anything else is returned as it is.
func (b *Breaker) done(ctx context.Context, err error) error {
	switch ClassifyNeo4jError(ctx, err) {
	case ErrUnavailable:
		b.trip(err)
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	case ErrTimeout:
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	return err
}

// ClassifyNeo4jError tells what a driver error of a call made with ctx means: ErrTimeout when
// the call's deadline passed or the driver timed out reading or writing a connection,
// ErrUnavailable when Neo4j could not be reached (no connection, a lost one, connection
// acquisition timed out, retries exhausted on those), nil otherwise (including err == nil).
func ClassifyNeo4jError(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return ErrTimeout
	}
	if errors.Is(err, context.Canceled) {
		return nil
	}
	var limit *neo4j.TransactionExecutionLimit
	var ce *neo4j.ConnectivityError
	switch {
	case errors.As(err, &limit) && len(limit.Errors) > 0:
		// Retries exhausted: what the last attempt met (a raw cause, not yet wrapped).
		err = limit.Errors[len(limit.Errors)-1]
		if errors.As(err, &ce) {
			err = ce.Inner
		} else if !connectionFailure(err) {
			return nil
		}
	case errors.As(err, &ce):
		err = ce.Inner
	default:
		return nil // not the driver's (a network error of another client is not Neo4j's)
	}
	// The driver's connection read and write timeouts: the server took too long on a live
	// connection (internal types of the driver, known by name).
	if t := fmt.Sprintf("%T", err); errors.Is(err, context.DeadlineExceeded) ||
		t == "*errorutil.ConnectionReadTimeout" || t == "*errorutil.ConnectionWriteTimeout" {
		return ErrTimeout
	}
	return ErrUnavailable
}

// connectionFailure reports a cause the driver would wrap in a ConnectivityError: a lost
// connection, a network error, a failed connection pool or routing table fetch.
func connectionFailure(err error) bool {
	var ne net.Error
	if errors.Is(err, io.EOF) || errors.As(err, &ne) {
		return true
	}
	switch fmt.Sprintf("%T", err) {
	case "*errorutil.PoolTimeout", "*errorutil.PoolFull", "*errorutil.ReadRoutingTableError",
		"*errorutil.ConnectionReadTimeout", "*errorutil.ConnectionWriteTimeout", "*errorutil.TlsError":
		return true
	}
	return false
}

func guard[T any](ctx context.Context, b *Breaker, call func() (T, error)) (T, error) {
	var zero T
	if err := b.allow(); err != nil {
		return zero, err
	}
	v, err := call()
	if err != nil {
		return zero, b.done(ctx, err)
	}
	return v, nil
}

// Upstream implements Backend.
func (b *Breaker) Upstream(ctx context.Context, col ColumnID, depth int) (Subgraph, error) {
	return guard(ctx, b, func() (Subgraph, error) { return b.inner.Upstream(ctx, col, depth) })
}

// Downstream implements Backend.
func (b *Breaker) Downstream(ctx context.Context, col ColumnID, depth int) (Subgraph, error) {
	return guard(ctx, b, func() (Subgraph, error) { return b.inner.Downstream(ctx, col, depth) })
}

// Both implements Backend.
func (b *Breaker) Both(ctx context.Context, col ColumnID, depth int) (up, down Subgraph, err error) {
	sides, err := guard(ctx, b, func() ([2]Subgraph, error) {
		up, down, err := b.inner.Both(ctx, col, depth)
		return [2]Subgraph{up, down}, err
	})
	return sides[0], sides[1], err
}

// ViewDetail implements Backend.
func (b *Breaker) ViewDetail(ctx context.Context, id ObjectID) (ViewDetail, error) {
	return guard(ctx, b, func() (ViewDetail, error) { return b.inner.ViewDetail(ctx, id) })
}

// DatasetDetail implements Backend.
func (b *Breaker) DatasetDetail(ctx context.Context, id ObjectID) (ViewDetail, error) {
	return guard(ctx, b, func() (ViewDetail, error) { return b.inner.DatasetDetail(ctx, id) })
}

// FindDatasets implements Backend.
func (b *Breaker) FindDatasets(ctx context.Context, parts []string) ([]ObjectRef, error) {
	return guard(ctx, b, func() ([]ObjectRef, error) { return b.inner.FindDatasets(ctx, parts) })
}

// ListDatasets implements Backend.
func (b *Breaker) ListDatasets(ctx context.Context, f DatasetFilter) ([]DatasetSummary, error) {
	return guard(ctx, b, func() ([]DatasetSummary, error) { return b.inner.ListDatasets(ctx, f) })
}

// Search implements Backend.
func (b *Breaker) Search(ctx context.Context, q SearchQuery) (SearchResult, error) {
	return guard(ctx, b, func() (SearchResult, error) { return b.inner.Search(ctx, q) })
}

// Impact implements Backend.
func (b *Breaker) Impact(ctx context.Context, roots []ColumnID, depth int) (Impact, error) {
	return guard(ctx, b, func() (Impact, error) { return b.inner.Impact(ctx, roots, depth) })
}

// DatasetColumns implements Backend.
func (b *Breaker) DatasetColumns(ctx context.Context, id ObjectID) (string, []ColumnID, error) {
	v, err := guard(ctx, b, func() (datasetColumns, error) {
		kind, cols, err := b.inner.DatasetColumns(ctx, id)
		return datasetColumns{kind, cols}, err
	})
	return v.Kind, v.Columns, err
}

// DiffViews implements Backend.
func (b *Breaker) DiffViews(ctx context.Context, proposed []View) ([]ViewDiff, error) {
	return guard(ctx, b, func() ([]ViewDiff, error) { return b.inner.DiffViews(ctx, proposed) })
}

// Counts implements Backend.
func (b *Breaker) Counts(ctx context.Context) (Counts, error) {
	return guard(ctx, b, func() (Counts, error) { return b.inner.Counts(ctx) })
}

// ReplaceViewLineage implements Backend.
func (b *Breaker) ReplaceViewLineage(ctx context.Context, view View) error {
	_, err := guard(ctx, b, func() (struct{}, error) { return struct{}{}, b.inner.ReplaceViewLineage(ctx, view) })
	return err
}

// ReplaceViewsLineage implements Backend.
func (b *Breaker) ReplaceViewsLineage(ctx context.Context, views []View, states []ViewState) error {
	_, err := guard(ctx, b, func() (struct{}, error) { return struct{}{}, b.inner.ReplaceViewsLineage(ctx, views, states) })
	return err
}

// DeleteView implements Backend.
func (b *Breaker) DeleteView(ctx context.Context, id ObjectID) error {
	_, err := guard(ctx, b, func() (struct{}, error) { return struct{}{}, b.inner.DeleteView(ctx, id) })
	return err
}

// UpsertTables implements Backend.
func (b *Breaker) UpsertTables(ctx context.Context, tables []Table) error {
	_, err := guard(ctx, b, func() (struct{}, error) { return struct{}{}, b.inner.UpsertTables(ctx, tables) })
	return err
}
