package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// TestRequestLineLimitsAnswerProblemJSON: a long URL, oversized headers and a repeated query
// parameter are refused with problem+json naming what is wrong, never reaching a handler.
func TestRequestLineLimitsAnswerProblemJSON(t *testing.T) {
	ts := startServer(t, Config{}, Deps{}, nil)
	for _, tc := range []struct {
		name   string
		url    string
		header map[string]string
		status int
		want   string
	}{
		{"long URL", ts.url + "/health/live?pad=" + strings.Repeat("a", MaxURILength), nil, http.StatusRequestURITooLong, "request URI is"},
		{"large headers", ts.url + "/health/live", map[string]string{"X-Pad": strings.Repeat("b", MaxHeaderBytes)}, http.StatusRequestHeaderFieldsTooLarge, "request headers are"},
		{"repeated parameter", ts.url + "/health/live?direction=upstream&direction=sideways", nil, http.StatusBadRequest, "direction is given 2 times"},
		{"empty parameter", ts.url + "/health/live?type=", nil, http.StatusBadRequest, "type is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, http.MethodGet, tc.url, nil, tc.header)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d; %.200s", r.status, tc.status, r.body)
			}
			p := problemBody(t, r)
			if d, _ := p["detail"].(string); !strings.Contains(d, tc.want) {
				t.Errorf("detail %q, want it to say %q", d, tc.want)
			}
		})
	}
	// Just under the limits is served.
	if r := do(t, http.MethodGet, ts.url+"/health/live?pad="+strings.Repeat("a", MaxURILength-100), nil, nil); r.status != http.StatusOK {
		t.Errorf("URL under the limit: status %d", r.status)
	}
}

// blockingAnalyzer holds every analysis until release is closed, telling entered when one starts.
type blockingAnalyzer struct {
	entered chan struct{}
	release chan struct{}
}

func (a blockingAnalyzer) Analyze(ctx context.Context, req AnalyzeRequest) (AnalyzeResult, error) {
	a.entered <- struct{}{}
	select {
	case <-a.release:
	case <-ctx.Done():
		return AnalyzeResult{}, ctx.Err()
	}
	return AnalyzeResult{Count: 1, Statements: []AnalyzedStatement{{Index: 0, Kind: "SELECT"}}}, nil
}

// TestExpensiveRequestsAreBounded: past ExpensiveConcurrency running analyze/export/import
// requests, the next one is answered 503 with Retry-After at once instead of queueing; cheap
// requests still pass, and a freed slot is taken again.
func TestExpensiveRequestsAreBounded(t *testing.T) {
	an := blockingAnalyzer{entered: make(chan struct{}, 4), release: make(chan struct{})}
	ts := startServer(t, Config{ExpensiveConcurrency: 1}, Deps{Analyzer: an}, nil)
	endpoint := ts.url + "/api/v1/lineage/analyze"
	first := make(chan response, 1)
	go func() {
		first <- do(t, http.MethodPost, endpoint, strings.NewReader(`{"sql":"select 1"}`), jsonHeader)
	}()
	select {
	case <-an.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the first analyze never started")
	}
	client := &http.Client{Timeout: 5 * time.Second}
	req, err := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(`{"sql":"select 2"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		close(an.release)
		t.Fatalf("second analyze while the first runs: %v (queued instead of refused)", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || resp.Header.Get("Content-Type") != ProblemContentType {
		t.Errorf("second analyze: status %d Retry-After %q Content-Type %q, want 503 problem with Retry-After",
			resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("Content-Type"))
	}
	if r := get(t, ts.url+"/health/live"); r.status != http.StatusOK {
		t.Errorf("a cheap request while the slot is taken: status %d", r.status)
	}
	close(an.release)
	if r := <-first; r.status != http.StatusOK {
		t.Errorf("first analyze: status %d %s", r.status, r.body)
	}
	if r := do(t, http.MethodPost, endpoint, strings.NewReader(`{"sql":"select 3"}`), jsonHeader); r.status != http.StatusOK {
		t.Errorf("analyze after the slot was freed: status %d %s", r.status, r.body)
	}
}

// TestAnalyzeAnswerSizeIsCapped: an analysis larger than AnalyzeMaxAnswer is refused with 413
// (and nothing is persisted) rather than sent.
func TestAnalyzeAnswerSizeIsCapped(t *testing.T) {
	var cols []AnalyzedColumn
	for i := range 200 {
		cols = append(cols, AnalyzedColumn{Name: strings.Repeat("C", 20) + string(rune('A'+i%26)), Sources: []AnalyzedSource{}})
	}
	an := fakeAnalyzer{res: AnalyzeResult{Count: 1, Statements: []AnalyzedStatement{{Index: 0, Kind: "SELECT", Columns: cols}}}}
	ts := startServer(t, Config{AnalyzeMaxAnswer: 2000}, Deps{Analyzer: an}, nil)
	r := do(t, http.MethodPost, ts.url+"/api/v1/lineage/analyze", strings.NewReader(`{"sql":"select ..."}`), jsonHeader)
	if r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413; %.300s", r.status, r.body)
	}
	if p := problemBody(t, r); p["type"] != ProblemTypeAnswerTooLarge || p["limit"] != float64(2000) {
		t.Errorf("problem %v", p)
	}
	small := fakeAnalyzer{res: AnalyzeResult{Count: 1, Statements: []AnalyzedStatement{{Index: 0, Kind: "SELECT", Columns: cols[:2]}}}}
	ts2 := startServer(t, Config{AnalyzeMaxAnswer: 2000}, Deps{Analyzer: small}, nil)
	if r := do(t, http.MethodPost, ts2.url+"/api/v1/lineage/analyze", strings.NewReader(`{"sql":"select ..."}`), jsonHeader); r.status != http.StatusOK {
		t.Errorf("small answer: status %d %s", r.status, r.body)
	}
}

// TestUnservedMethodIs405BeforeAuthentication: a method a route does not serve is 405 with
// Allow for everyone; the security layer (here a stand-in that refuses everything) never sees it.
func TestUnservedMethodIs405BeforeAuthentication(t *testing.T) {
	refuse := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error { return echo.NewHTTPError(http.StatusForbidden, "refused") }
	}
	ts := startServer(t, Config{}, Deps{Security: []echo.MiddlewareFunc{refuse}}, nil)
	for _, m := range []string{"TRACE", http.MethodDelete, http.MethodPut} {
		r := do(t, m, ts.url+"/health/live", nil, nil)
		if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") == "" {
			t.Errorf("%s /health/live: status %d Allow %q, want 405 with Allow", m, r.status, r.header.Get("Allow"))
		}
	}
	if r := get(t, ts.url+"/health/live"); r.status != http.StatusForbidden {
		t.Errorf("GET still reaches the security layer: status %d", r.status)
	}
}
