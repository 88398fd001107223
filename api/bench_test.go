package api

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkLiveHandler measures the middleware chain and a trivial route
// without the network: the floor under every endpoint.
func BenchmarkLiveHandler(b *testing.B) {
	s := New(Config{}, Deps{}, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	h := s.Handler()
	req := httptest.NewRequest(http.MethodGet, "/health/live", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}

// BenchmarkReadyReal measures /health/ready over loopback HTTP against the
// real Neo4j and Redis (both checks run concurrently per request).
func BenchmarkReadyReal(b *testing.B) {
	n4j, _, rdb := realDeps(b)
	ts := startServer(b, Config{}, Deps{Checkers: []Checker{n4j, NewRedisChecker(rdb)}}, nil)
	client := &http.Client{}
	for b.Loop() {
		resp, err := client.Get(ts.url + "/health/ready")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}
