package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// fakeChecker stands in for a dependency in tests of the health logic itself;
// the real Neo4j and Redis checkers are tested against the real servers.
type fakeChecker struct {
	name  string
	res   CheckResult
	err   error
	block chan struct{} // when set: ignore ctx and answer only once it is closed
}

func (f fakeChecker) Name() string { return f.name }

func (f fakeChecker) Check(ctx context.Context) (CheckResult, error) {
	if f.block != nil {
		<-f.block // misbehaves: ignores its deadline
	}
	return f.res, f.err
}

func TestReadyNamesEveryFailedDependency(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	ts := startServer(t, Config{HealthTimeout: 100 * time.Millisecond}, Deps{Checkers: []Checker{
		fakeChecker{name: "neo4j", err: errors.New("connection refused")},
		fakeChecker{name: "redis", res: CheckResult{Version: "7.0.15"}},
		fakeChecker{name: "hung", block: release},
	}}, nil)
	start := time.Now()
	r := get(t, ts.url+"/health/ready")
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("ready took %s with a hung checker; the health timeout is 100ms", took)
	}
	if r.status != http.StatusServiceUnavailable {
		t.Fatalf("status = %d, want 503", r.status)
	}
	p := problemBody(t, r)
	detail, _ := p["detail"].(string)
	if !strings.Contains(detail, "neo4j: connection refused") || !strings.Contains(detail, "hung: no answer within 100ms") {
		t.Errorf("detail = %q", detail)
	}
	if strings.Contains(detail, "redis") {
		t.Errorf("detail names redis, which answered: %q", detail)
	}
	failed, _ := p["failed"].([]any)
	if len(failed) != 2 || p["type"] != ProblemTypeNotReady || p["status"] != float64(503) {
		t.Errorf("problem = %v", p)
	}
}

func TestReadyWithDegradedDependencyIsReady(t *testing.T) {
	ts := startServer(t, Config{}, Deps{Checkers: []Checker{
		fakeChecker{name: "neo4j", res: CheckResult{Status: StatusDegraded, Message: "no migrations"}},
	}}, nil)
	r := get(t, ts.url+"/health/ready")
	var body struct {
		Status       string            `json:"status"`
		Dependencies map[string]Status `json:"dependencies"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatal(err)
	}
	if r.status != 200 || body.Status != "ready" || body.Dependencies["neo4j"] != StatusDegraded {
		t.Errorf("status %d body %s", r.status, r.body)
	}
	// ... and detailed says degraded, still 200: the service answers.
	d := get(t, ts.url+"/health/detailed")
	var dh DetailedHealth
	if err := json.Unmarshal(d.body, &dh); err != nil {
		t.Fatal(err)
	}
	if d.status != 200 || dh.Status != StatusDegraded || dh.Dependencies[0].Message != "no migrations" {
		t.Errorf("detailed: status %d body %s", d.status, d.body)
	}
}

func TestOverall(t *testing.T) {
	tests := []struct {
		in   []Status
		want Status
	}{
		{nil, StatusUp},
		{[]Status{StatusUp, StatusUp}, StatusUp},
		{[]Status{StatusUp, StatusDegraded}, StatusDegraded},
		{[]Status{StatusDegraded, StatusDown, StatusUp}, StatusDown},
	}
	for _, tt := range tests {
		var deps []DependencyHealth
		for _, s := range tt.in {
			deps = append(deps, DependencyHealth{Status: s})
		}
		if got := overall(deps); got != tt.want {
			t.Errorf("overall(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestParseRedisInfo(t *testing.T) {
	raw := "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\nos:Linux 6.1 x86_64\r\nuptime_in_seconds:42\r\n\r\n"
	got := parseRedisInfo(raw)
	if got["redis_version"] != "7.0.15" || got["redis_mode"] != "standalone" || got["os"] != "Linux 6.1 x86_64" || got["uptime_in_seconds"] != "42" {
		t.Errorf("parseRedisInfo = %v", got)
	}
	if _, ok := got["# Server"]; ok {
		t.Error("section header parsed as a field")
	}
}
