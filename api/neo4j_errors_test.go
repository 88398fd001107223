package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/tributary-lineage/tributary/graph"
)

// Neo4j failures answer what they are: unreachable is 503 naming neo4j with Retry-After (the
// cause, with its address, only in the log), a deadline the driver wrapped in a
// ConnectivityError or met while retrying is 504, never 500.
func TestNeo4jFailuresAre503And504(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		status int
		typ    string
	}{
		{"circuit open", fmt.Errorf("column X: %w (circuit open after: dial tcp 10.1.2.3:7687: connection refused)", graph.ErrUnavailable), 503, ProblemTypeNeo4jDown},
		{"lost connection", fmt.Errorf("upstream: %w", &neo4j.ConnectivityError{Inner: io.EOF}), 503, ProblemTypeNeo4jDown},
		{"retries exhausted", fmt.Errorf("closure edges: %w", &neo4j.TransactionExecutionLimit{Errors: []error{io.EOF}}), 503, ProblemTypeNeo4jDown},
		{"deadline inside the driver", fmt.Errorf("upstream: %w", &neo4j.ConnectivityError{Inner: context.DeadlineExceeded}), 504, ProblemTypeTimeout},
		{"driver timeout", fmt.Errorf("upstream: %w", graph.ErrTimeout), 504, ProblemTypeTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, Config{}, Deps{}, func(e *echo.Echo) {
				e.GET("/read", func(c echo.Context) error { return tc.err })
			})
			r := get(t, ts.url+"/read")
			p := problemBody(t, r)
			if r.status != tc.status || p["type"] != tc.typ {
				t.Fatalf("status %d, problem %v; want %d %s", r.status, p, tc.status, tc.typ)
			}
			if tc.status == http.StatusServiceUnavailable {
				if r.header.Get("Retry-After") == "" || p["detail"] == nil {
					t.Errorf("503 without Retry-After or detail: %v %v", r.header, p)
				}
				if d, _ := p["detail"].(string); !strings.Contains(d, "neo4j") || strings.Contains(d, "10.1.2.3") {
					t.Errorf("detail %q: want neo4j named, no address", d)
				}
			}
		})
	}
}
