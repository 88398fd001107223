package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tributary-lineage/tributary/api/auth"
	"github.com/tributary-lineage/tributary/graph"
)

// Status is the state of one dependency or of the whole service.
type Status string

const (
	StatusUp       Status = "up"
	StatusDegraded Status = "degraded" // answers, but something is off (see Message)
	StatusDown     Status = "down"     // does not answer
)

// CheckResult is what a Checker learned from a dependency that answered.
type CheckResult struct {
	// Status is StatusUp or StatusDegraded; an error from Check means down.
	// The zero value counts as up.
	Status  Status
	Version string
	// Info holds dependency-specific facts (edition, migration level, mode).
	Info map[string]any
	// Message says why the dependency is degraded.
	Message string
}

// Checker probes one dependency. Check must honour ctx's deadline; an error
// means the dependency did not answer.
type Checker interface {
	Name() string
	Check(ctx context.Context) (CheckResult, error)
}

// DependencyHealth is one dependency's entry in /health/detailed.
type DependencyHealth struct {
	Name      string         `json:"name"`
	Status    Status         `json:"status"`
	LatencyMS float64        `json:"latency_ms"`
	Version   string         `json:"version,omitempty"`
	Info      map[string]any `json:"info,omitempty"`
	Message   string         `json:"message,omitempty"`
	Error     string         `json:"error,omitempty"`
}

// DetailedHealth is the body of /health/detailed.
type DetailedHealth struct {
	Status       Status             `json:"status"`
	Build        BuildInfo          `json:"build"`
	StartedAt    time.Time          `json:"started_at"`
	UptimeS      float64            `json:"uptime_s"`
	CheckedAt    time.Time          `json:"checked_at"`
	Dependencies []DependencyHealth `json:"dependencies"`
}

// checkAll probes every checker concurrently, each bounded by timeout.
// Results keep the checkers' order.
func checkAll(ctx context.Context, checkers []Checker, timeout time.Duration) []DependencyHealth {
	out := make([]DependencyHealth, len(checkers))
	var wg sync.WaitGroup
	for i, ch := range checkers {
		wg.Go(func() {
			out[i] = checkOne(ctx, ch, timeout)
		})
	}
	wg.Wait()
	return out
}

// checkGrace is how long past its deadline a checker may take to return its
// own error, which usually names the cause ("connection refused").
const checkGrace = 250 * time.Millisecond

// checkOne runs one check with a deadline. A checker that ignores its
// deadline is reported down shortly after it; its goroutine ends on its own.
func checkOne(ctx context.Context, ch Checker, timeout time.Duration) DependencyHealth {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type answer struct {
		res CheckResult
		err error
	}
	done := make(chan answer, 1)
	start := time.Now()
	go func() {
		res, err := ch.Check(cctx)
		done <- answer{res, err}
	}()
	hard := time.NewTimer(timeout + checkGrace)
	defer hard.Stop()
	var a answer
	select {
	case a = <-done:
	case <-hard.C:
		a.err = fmt.Errorf("no answer within %s", timeout)
	case <-ctx.Done():
		a.err = fmt.Errorf("check abandoned: %w", context.Cause(ctx))
	}
	h := DependencyHealth{
		Name:      ch.Name(),
		LatencyMS: float64(time.Since(start).Microseconds()) / 1000,
	}
	if a.err != nil {
		h.Status = StatusDown
		h.Error = a.err.Error()
		return h
	}
	h.Status = a.res.Status
	if h.Status == "" {
		h.Status = StatusUp
	}
	h.Version = a.res.Version
	h.Info = a.res.Info
	h.Message = a.res.Message
	return h
}

// overall is up when every dependency is up, down when any is down, else degraded.
func overall(deps []DependencyHealth) Status {
	st := StatusUp
	for _, d := range deps {
		switch d.Status {
		case StatusDown:
			return StatusDown
		case StatusDegraded:
			st = StatusDegraded
		}
	}
	return st
}

func (s *Server) health(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// live answers 200 while the process serves HTTP; it checks nothing else so
// that a slow dependency never gets the process restarted.
func (s *Server) live(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// ready answers 200 when every dependency answers within the health timeout,
// else 503 naming each one that did not.
func (s *Server) ready(c echo.Context) error {
	deps := checkAll(c.Request().Context(), s.checkers, s.cfg.HealthTimeout)
	var failed []string
	var failures []map[string]string
	for _, d := range deps {
		if d.Status == StatusDown {
			failed = append(failed, d.Name+": "+d.Error)
			failures = append(failures, map[string]string{"name": d.Name, "error": d.Error})
		}
	}
	if len(failed) > 0 {
		return &Problem{
			Type:       ProblemTypeNotReady,
			Title:      "Dependencies unavailable",
			Status:     http.StatusServiceUnavailable,
			Detail:     strings.Join(failed, "; "),
			Extensions: map[string]any{"failed": failures},
		}
	}
	statuses := make(map[string]Status, len(deps))
	for _, d := range deps {
		statuses[d.Name] = d.Status
	}
	return c.JSON(http.StatusOK, map[string]any{"status": "ready", "dependencies": statuses})
}

// PublicHealth is the body of /health/detailed for a caller without a role: each
// dependency's status only, no errors (they name internal addresses), versions or uptime.
type PublicHealth struct {
	Status       Status             `json:"status"`
	Dependencies []DependencyStatus `json:"dependencies"`
}

// DependencyStatus is one dependency's entry in PublicHealth.
type DependencyStatus struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
}

// detailed reports every dependency with latency, version and facts, plus the
// build; 503 only when a dependency is down (degraded is 200: the service answers).
// A caller without a role (anonymous, when health is public) gets statuses only.
func (s *Server) detailed(c echo.Context) error {
	ctx := c.Request().Context()
	deps := checkAll(ctx, s.checkers, s.cfg.HealthTimeout)
	status := overall(deps)
	code := http.StatusOK
	if status == StatusDown {
		code = http.StatusServiceUnavailable
	}
	if auth.Require(ctx, auth.RoleViewer) != nil {
		pub := PublicHealth{Status: status, Dependencies: make([]DependencyStatus, len(deps))}
		for i, d := range deps {
			pub.Dependencies[i] = DependencyStatus{Name: d.Name, Status: d.Status}
		}
		return c.JSON(code, pub)
	}
	now := time.Now().UTC()
	body := DetailedHealth{
		Status:       status,
		Build:        s.cfg.Build,
		StartedAt:    s.started,
		UptimeS:      now.Sub(s.started).Truncate(time.Millisecond).Seconds(),
		CheckedAt:    now,
		Dependencies: deps,
	}
	return c.JSON(code, body)
}

// Degradable wraps a checker whose dependency the service can run without: when it does not
// answer, it is reported degraded (with impact saying what is lost) instead of down, so
// /health/ready stays 200.
func Degradable(ch Checker, impact string) Checker {
	return degradable{ch: ch, impact: impact}
}

type degradable struct {
	ch     Checker
	impact string
}

func (d degradable) Name() string { return d.ch.Name() }

func (d degradable) Check(ctx context.Context) (CheckResult, error) {
	res, err := d.ch.Check(ctx)
	if err != nil {
		return CheckResult{Status: StatusDegraded, Message: err.Error() + "; " + d.impact}, nil
	}
	return res, nil
}

// Renamed reports ch under another name: a second Redis must not also be "redis".
func Renamed(ch Checker, name string) Checker { return renamed{Checker: ch, name: name} }

type renamed struct {
	Checker
	name string
}

func (r renamed) Name() string { return r.name }

// CachePinger is the part of the cache (*graph.Cache) its checker uses.
type CachePinger interface {
	Ping(ctx context.Context) error
	Stats() graph.CacheStats
}

// CacheChecker reports the lineage cache: up when Redis answers its commands, degraded (never
// down) when it does not, because reads then go straight to Neo4j.
type CacheChecker struct{ c CachePinger }

// NewCacheChecker returns a checker over c.
func NewCacheChecker(c CachePinger) *CacheChecker { return &CacheChecker{c: c} }

// Name implements Checker.
func (cc *CacheChecker) Name() string { return "cache" }

// Check implements Checker.
func (cc *CacheChecker) Check(ctx context.Context) (CheckResult, error) {
	st := cc.c.Stats()
	var hits, misses, errs uint64
	for _, n := range st.Hits {
		hits += n
	}
	for _, n := range st.Misses {
		misses += n
	}
	for _, n := range st.Errors {
		errs += n
	}
	info := map[string]any{"hits": hits, "misses": misses, "bypassed": errs}
	if err := cc.c.Ping(ctx); err != nil {
		return CheckResult{Status: StatusDegraded, Info: info,
			Message: "redis does not answer (" + err.Error() + "); lineage reads go straight to Neo4j"}, nil
	}
	return CheckResult{Status: StatusUp, Info: info}, nil
}
