package graph

import (
	"context"
	"sync/atomic"
	"time"
)

// recoveryGate is the failure state of a dependency that calls skip while it is down: the
// cache's bypass of a failed Redis (Cache) and the Neo4j circuit breaker (Breaker).
// After a failure, calls skip the dependency; once the retry interval has passed, one
// background probe at a time checks it, off the request path, and only a probe that succeeds
// ends the skipping. So a dead or hung dependency delays no request after the first failure.
type recoveryGate struct {
	// until (unix nanoseconds) is 0 while the dependency is up; after a failure, the time
	// after which the next probe may start.
	until   atomic.Int64
	probing atomic.Bool
	retry   time.Duration
	timeout time.Duration
	// probe checks the dependency; it is set once, before the gate is used.
	probe func(context.Context) error
}

// failed records a failure: calls skip the dependency until a probe succeeds.
func (g *recoveryGate) failed() { g.until.Store(time.Now().Add(g.retry).UnixNano()) }

// recovered ends the skipping.
func (g *recoveryGate) recovered() { g.until.Store(0) }

// isDown reports whether calls skip the dependency, after a failure no probe has cleared yet.
// When the retry interval is over it starts one background probe (at most one at a time).
func (g *recoveryGate) isDown() bool {
	until := g.until.Load()
	if until == 0 {
		return false
	}
	if time.Now().UnixNano() >= until && g.probing.CompareAndSwap(false, true) {
		go g.run()
	}
	return true
}

// run probes once: success ends the skipping, failure starts a new retry interval.
func (g *recoveryGate) run() {
	defer g.probing.Store(false)
	ctx, cancel := context.WithTimeout(context.Background(), g.timeout)
	defer cancel()
	if err := g.probe(ctx); err != nil {
		g.failed()
		return
	}
	g.recovered()
}
