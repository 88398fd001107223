package graph

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/tributary-lineage/tributary/internal/graphtest"
)

// A deadline that passes inside the driver is a timeout (504 in the API), whatever the driver
// wrapped it in; it does not open the circuit.
func TestBreakerDeadlineInsideTheDriverIsATimeout(t *testing.T) {
	store := NewStore(graphtest.Driver(t), graphtest.Neo4jDatabase())
	b := NewBreaker(store, func(context.Context) error { return nil }, BreakerOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Microsecond)
	defer cancel()
	time.Sleep(time.Millisecond)
	_, err := b.Upstream(ctx, ColumnID{"D", "S", "T", "C"}, 3)
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrUnavailable) {
		t.Errorf("read past its deadline: %v, want a timeout", err)
	}
	if open, _, _ := b.Open(); open {
		t.Error("a timeout opened the circuit")
	}
}

// Driver errors as the driver makes them: connectivity failures (also as the last error of
// exhausted retries) are ErrUnavailable, deadlines inside a ConnectivityError are ErrTimeout.
func TestClassifyNeo4jError(t *testing.T) {
	ctx := context.Background()
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	for name, tc := range map[string]struct {
		err  error
		want error
	}{
		"nil":                          {nil, nil},
		"not found":                    {ErrNotFound, nil},
		"server error":                 {&neo4j.Neo4jError{Code: "Neo.ClientError.Statement.SyntaxError"}, nil},
		"lost connection":              {&neo4j.ConnectivityError{Inner: io.EOF}, ErrUnavailable},
		"refused":                      {&neo4j.ConnectivityError{Inner: dial}, ErrUnavailable},
		"retries exhausted on EOF":     {&neo4j.TransactionExecutionLimit{Errors: []error{io.EOF}}, ErrUnavailable},
		"retries exhausted on refused": {&neo4j.TransactionExecutionLimit{Errors: []error{dial}}, ErrUnavailable},
		"deadline in connectivity":     {&neo4j.ConnectivityError{Inner: context.DeadlineExceeded}, ErrTimeout},
		"deadline":                     {context.DeadlineExceeded, ErrTimeout},
		"canceled":                     {context.Canceled, nil},
	} {
		if got := ClassifyNeo4jError(ctx, tc.err); got != tc.want {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
}

// unreachableDriver is a driver of a Neo4j that refuses connections (a closed port), with no
// transaction retries.
func unreachableDriver(t *testing.T) neo4j.DriverWithContext {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // a closed port: connection refused
	driver, err := neo4j.NewDriverWithContext("bolt://"+addr, neo4j.NoAuth(), func(c *neo4j.Config) { c.MaxTransactionRetryTime = 0 })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { driver.Close(context.Background()) })
	return driver
}

// With Neo4j unreachable the first call opens the circuit, later calls fail at once without
// reaching the store, and a probe that succeeds closes it.
func TestBreakerOpensAndProbeClosesIt(t *testing.T) {
	driver := unreachableDriver(t)
	live := graphtest.Driver(t)
	up := make(chan bool, 1)
	up <- false
	probe := func(ctx context.Context) error {
		ok := <-up
		up <- ok
		if !ok {
			return driver.VerifyConnectivity(ctx)
		}
		return live.VerifyConnectivity(ctx)
	}
	b := NewBreaker(NewStore(driver, graphtest.Neo4jDatabase()), probe, BreakerOptions{RetryInterval: 10 * time.Millisecond})
	ctx := context.Background()
	start := time.Now()
	_, err := b.Counts(ctx)
	t.Logf("first read: %s", time.Since(start))
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("read with Neo4j unreachable: %v", err)
	}
	if open, _, cause := b.Open(); !open || cause == nil {
		t.Fatalf("circuit open %t (%v) after a connectivity failure", open, cause)
	}
	for range 5 {
		if _, err := b.Counts(ctx); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("read with the circuit open: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if open, _, _ := b.Open(); !open {
		t.Fatal("a failing probe closed the circuit")
	}
	<-up
	up <- true
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if open, _, _ := b.Open(); !open {
			break
		}
		b.Counts(ctx) // refused at once; starts a probe when the retry interval is over
		if time.Now().After(deadline) {
			t.Fatal("a succeeding probe did not close the circuit")
		}
	}
}
