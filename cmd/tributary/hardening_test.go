package main

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tributary-lineage/tributary/api"
	"github.com/tributary-lineage/tributary/api/auth"
)

func analyzeBody(t *testing.T, sql string) string {
	t.Helper()
	b, err := json.Marshal(map[string]string{"sql": sql})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAnalyzeStatementCap: past TRIBUTARY_ANALYZE_MAX_STATEMENTS the request is refused with
// 413 problem+json naming the count and the limit, before anything is analysed.
func TestAnalyzeStatementCap(t *testing.T) {
	s := startServe(t, map[string]string{"TRIBUTARY_AUTH": "off", "TRIBUTARY_RATE_LIMIT_ANON": "off", envAnalyzeMaxStatements: "50"})
	endpoint := s.base + "/api/v1/lineage/analyze"
	code, out := postJSON(t, endpoint, analyzeBody(t, strings.Repeat("select 1 as a;\n", 51)))
	if code != http.StatusRequestEntityTooLarge {
		t.Fatalf("51 statements, limit 50: status %d %.300s", code, out)
	}
	var p map[string]any
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatal(err)
	}
	if p["type"] != api.ProblemTypeTooManyStatements || p["statements"] != float64(51) || p["limit"] != float64(50) {
		t.Errorf("problem %v", p)
	}
	if code, out := postJSON(t, endpoint, analyzeBody(t, strings.Repeat("select 1 as a;\n", 50))); code != http.StatusOK {
		t.Errorf("50 statements: status %d %.300s", code, out)
	}
}

// TestAnalyzeReportsSkippedStatements: statements without lineage are listed under skipped with
// their position and reason; when nothing in the request has lineage the answer is 422.
func TestAnalyzeReportsSkippedStatements(t *testing.T) {
	s := apiServe(t)
	endpoint := s.base + "/api/v1/lineage/analyze"
	code, out := postJSON(t, endpoint, analyzeBody(t, "select 1 as a;\ndrop table x"))
	if code != http.StatusOK {
		t.Fatalf("status %d %s", code, out)
	}
	var res struct {
		Statements []json.RawMessage      `json:"statements"`
		Skipped    []api.SkippedStatement `json:"skipped"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Statements) != 1 || len(res.Skipped) != 1 || res.Skipped[0].Statement != 1 || res.Skipped[0].Line != 2 ||
		res.Skipped[0].Col != 1 || !strings.Contains(res.Skipped[0].Reason, "DROP") {
		t.Errorf("answer %s", out)
	}

	garbage := make([]byte, 100<<10)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range garbage {
		garbage[i] = byte(rng.IntN(256))
	}
	for _, sql := range []string{"SELEC 1", "drop table x", "use database d; alter view v rename to w", strings.ToValidUTF8(string(garbage), "?")} {
		code, out := postJSON(t, endpoint, analyzeBody(t, sql))
		var p map[string]any
		if err := json.Unmarshal(out, &p); err != nil {
			t.Fatal(err)
		}
		if code != http.StatusUnprocessableEntity || (p["type"] != api.ProblemTypeNothingAnalysed && p["type"] != api.ProblemTypeSyntax) {
			t.Errorf("%.20q: status %d %.300s, want 422 naming what was skipped or did not parse", sql, code, out)
		}
		if p["type"] == api.ProblemTypeNothingAnalysed {
			if sk, _ := p["skipped"].([]any); len(sk) == 0 {
				t.Errorf("%.20q: 422 without the skipped statements: %.300s", sql, out)
			}
		}
	}
}

// TestAnalyzePastDeadlineIs504AndAuditedAsFailure: an analysis longer than the request timeout
// stops at the deadline and answers 504; the audit record says failure with that status.
func TestAnalyzePastDeadlineIs504AndAuditedAsFailure(t *testing.T) {
	s := startServe(t, map[string]string{"TRIBUTARY_AUTH": "off", "TRIBUTARY_RATE_LIMIT_ANON": "off",
		envAnalyzeMaxStatements: "100000", envRequestTimeout: "100ms", envHealthTimeout: "50ms"})
	stmt := "select a.x + b.y as s, case when a.x > 1 then upper(b.z) else lower(b.z) end as c " +
		"from (select 1 as x, 2 as y) a join (select 3 as y, 'q' as z) b on a.x = b.y where a.x in (select 1);\n"
	sql := strings.Repeat(stmt, 15000) // about 3 MB: far more than 100ms of parsing and lineage
	start := time.Now()
	code, out := postJSON(t, s.base+"/api/v1/lineage/analyze", analyzeBody(t, sql))
	took := time.Since(start)
	if code != http.StatusGatewayTimeout {
		t.Fatalf("status %d after %s, want 504; %.300s", code, took, out)
	}
	var rec map[string]any
	for _, line := range strings.Split(s.logs(), "\n") {
		if strings.Contains(line, `"logger":"audit"`) && strings.Contains(line, "/api/v1/lineage/analyze") {
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("audit line %q: %v", line, err)
			}
		}
	}
	if rec == nil || rec["outcome"] != auth.OutcomeFailure || rec["status"] != float64(http.StatusGatewayTimeout) {
		t.Errorf("audit record %v, want outcome failure status 504\nlogs: %s", rec, s.logs())
	}
}

// TestAnalyzeCostCountsAgainstTheRateLimit: an analyze of n statements counts as n requests, so
// a principal that analysed a large script is limited afterwards.
func TestAnalyzeCostCountsAgainstTheRateLimit(t *testing.T) {
	prefix := "tributary-test:cmd:" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":"
	rdb := redis.NewClient(&redis.Options{Addr: envOrDefault(envRedisAddr)})
	t.Cleanup(func() { rdb.Close() })
	_, key, err := auth.NewKeyStore(rdb, prefix).Create(context.Background(), "cost viewer", auth.RoleViewer)
	if err != nil {
		t.Fatalf("create key: %v", err)
	}
	s := startServe(t, map[string]string{envAuthRedisPrefix: prefix, envRateLimit: "20/1m", envRateLimitAnon: "1000/1m"})
	endpoint := s.base + "/api/v1/lineage/analyze"
	if code, body := send(t, http.MethodPost, endpoint, key, strings.NewReader(analyzeBody(t, strings.Repeat("select 1 as a;", 30)))); code != http.StatusOK {
		t.Fatalf("30-statement analyze: %d %s", code, body)
	}
	code, body := send(t, http.MethodPost, endpoint, key, strings.NewReader(analyzeBody(t, "select 1 as a")))
	if code != http.StatusTooManyRequests {
		t.Errorf("after 30 statements with a limit of 20 per minute: %d %s, want 429", code, body)
	}
}
