package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/labstack/echo/v4"

	"github.com/tributary-lineage/tributary/internal/logtest"
)

type testServer struct {
	*Server
	url  string
	logs *logtest.Buffer
}

// startServer serves s on a real loopback listener until the test ends.
// extra routes may be added before it starts serving.
func startServer(t testing.TB, cfg Config, deps Deps, extra func(e *echo.Echo)) *testServer {
	t.Helper()
	logs := &logtest.Buffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := New(cfg, deps, logger)
	if extra != nil {
		extra(s.echo)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("serve returned: %v", err)
		}
	})
	return &testServer{Server: s, url: "http://" + l.Addr().String(), logs: logs}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func do(t *testing.T, method, url string, body io.Reader, header map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func get(t *testing.T, url string) response {
	t.Helper()
	return do(t, http.MethodGet, url, nil, nil)
}

// problemBody checks the problem+json media type and decodes the body.
func problemBody(t *testing.T, r response) map[string]any {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != ProblemContentType {
		t.Fatalf("Content-Type = %q, want %q; body %s", ct, ProblemContentType, r.body)
	}
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("problem body is not JSON: %s: %v", r.body, err)
	}
	return m
}

func TestUnknownRouteIsProblemJSON(t *testing.T) {
	ts := startServer(t, Config{}, Deps{}, nil)
	r := get(t, ts.url+"/no/such/route?x=1")
	if r.status != http.StatusNotFound {
		t.Fatalf("status = %d, want 404", r.status)
	}
	p := problemBody(t, r)
	rid := r.header.Get(HeaderRequestID)
	if rid == "" {
		t.Fatal("no X-Request-ID on the response")
	}
	want := map[string]any{
		"type":       "about:blank",
		"title":      "Not Found",
		"status":     float64(404),
		"instance":   "/no/such/route",
		"detail":     "no route for GET /no/such/route",
		"request_id": rid,
	}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("problem (-want +got):\n%s", diff)
	}
}

func TestMethodNotAllowedIsProblemJSON(t *testing.T) {
	ts := startServer(t, Config{}, Deps{}, nil)
	r := do(t, http.MethodPost, ts.url+"/health", nil, nil)
	if r.status != http.StatusMethodNotAllowed {
		t.Fatalf("status = %d, want 405", r.status)
	}
	if p := problemBody(t, r); p["status"] != float64(405) || p["title"] != "Method Not Allowed" || p["detail"] != "POST is not allowed on /health" {
		t.Errorf("problem = %v", p)
	}
}

func TestRequestIDKeptOrReplacedAndLogged(t *testing.T) {
	ts := startServer(t, Config{}, Deps{}, func(e *echo.Echo) {
		e.GET("/echo-id", func(c echo.Context) error {
			return c.String(http.StatusOK, RequestIDFromContext(c.Request().Context()))
		})
	})
	tests := []struct {
		name     string
		incoming string
		keep     bool
	}{
		{"well formed id is kept", "abc-123_DEF.456", true},
		{"no id gets one", "", false},
		{"id with spaces is replaced", "a b", false},
		{"id with a newline is replaced", "a\u2028b", false},
		{"overlong id is replaced", strings.Repeat("x", 129), false},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{}
			if tt.incoming != "" {
				h[HeaderRequestID] = tt.incoming
			}
			r := do(t, http.MethodGet, ts.url+"/echo-id", nil, h)
			got := r.header.Get(HeaderRequestID)
			if got != string(r.body) {
				t.Errorf("handler saw %q, response header %q", r.body, got)
			}
			if tt.keep && got != tt.incoming {
				t.Errorf("id = %q, want the caller's %q", got, tt.incoming)
			}
			if !tt.keep && (got == "" || got == tt.incoming || !validRequestID(got)) {
				t.Errorf("id = %q, want a fresh valid id", got)
			}
			if seen[got] {
				t.Errorf("id %q issued twice", got)
			}
			seen[got] = true
		})
	}
	// Every request above has an access-log line carrying its id.
	logged := map[string]bool{}
	for _, rec := range ts.logs.Records(t) {
		if rec["msg"] == "http request" && rec["route"] == "/echo-id" {
			logged[rec["request_id"].(string)] = true
			if rec["status"] != float64(200) || rec["method"] != "GET" {
				t.Errorf("access log record %v", rec)
			}
		}
	}
	for id := range seen {
		if !logged[id] {
			t.Errorf("request id %q not in the access log:\n%s", id, ts.logs.String())
		}
	}
}

func TestPanicBecomes500ProblemAndIsLoggedOnce(t *testing.T) {
	ts := startServer(t, Config{}, Deps{}, func(e *echo.Echo) {
		e.GET("/boom", func(c echo.Context) error { panic("secret internal state") })
	})
	r := get(t, ts.url+"/boom")
	if r.status != http.StatusInternalServerError {
		t.Fatalf("status = %d, want 500", r.status)
	}
	p := problemBody(t, r)
	if strings.Contains(string(r.body), "secret internal state") {
		t.Errorf("panic value leaked to the client: %s", r.body)
	}
	if p["request_id"] != r.header.Get(HeaderRequestID) || p["type"] != ProblemTypeInternal {
		t.Errorf("problem = %v", p)
	}
	var panics, access int
	for _, rec := range ts.logs.Records(t) {
		switch rec["msg"] {
		case "handler panic":
			panics++
			if rec["panic"] != "secret internal state" || !strings.Contains(rec["stack"].(string), "server_test.go") {
				t.Errorf("panic log = %v", rec)
			}
		case "http request":
			access++
			if rec["status"] != float64(500) {
				t.Errorf("access log status = %v, want 500", rec["status"])
			}
		}
	}
	if panics != 1 || access != 1 {
		t.Errorf("panic logs = %d, access logs = %d; want 1 and 1:\n%s", panics, access, ts.logs.String())
	}
}

func TestPlainErrorHidesDetailsButLogsThem(t *testing.T) {
	ts := startServer(t, Config{}, Deps{}, func(e *echo.Echo) {
		e.GET("/fail", func(c echo.Context) error { return errors.New("db password is hunter2") })
	})
	r := get(t, ts.url+"/fail")
	p := problemBody(t, r)
	if r.status != 500 || p["detail"] != problemInternalMessage {
		t.Errorf("status %d, problem %v", r.status, p)
	}
	if strings.Contains(string(r.body), "hunter2") {
		t.Errorf("error text leaked: %s", r.body)
	}
	if !strings.Contains(ts.logs.String(), "hunter2") {
		t.Errorf("the cause is not in the server log:\n%s", ts.logs.String())
	}
}

func TestHandlerProblemAndHTTPErrorPassThrough(t *testing.T) {
	ts := startServer(t, Config{}, Deps{}, func(e *echo.Echo) {
		e.GET("/conflict", func(c echo.Context) error {
			return &Problem{Type: "tag:example,2026:ambiguous", Title: "Ambiguous view", Status: 409,
				Detail: "2 views match", Extensions: map[string]any{"candidates": []string{"A.B.V", "C.D.V"}, "status": "ignored"}}
		})
		e.GET("/bad", func(c echo.Context) error {
			return echo.NewHTTPError(http.StatusBadRequest, "depth must be 1-20")
		})
	})
	p := problemBody(t, get(t, ts.url+"/conflict"))
	delete(p, "request_id")
	want := map[string]any{
		"type": "tag:example,2026:ambiguous", "title": "Ambiguous view", "status": float64(409),
		"detail": "2 views match", "instance": "/conflict", "candidates": []any{"A.B.V", "C.D.V"},
	}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("problem (-want +got):\n%s", diff)
	}
	r := get(t, ts.url+"/bad")
	p = problemBody(t, r)
	if r.status != 400 || p["detail"] != "depth must be 1-20" || p["title"] != "Bad Request" {
		t.Errorf("status %d, problem %v", r.status, p)
	}
}

func TestBodyLimit(t *testing.T) {
	ts := startServer(t, Config{BodyLimit: 100}, Deps{}, func(e *echo.Echo) {
		e.POST("/read", func(c echo.Context) error {
			b, err := io.ReadAll(c.Request().Body)
			if err != nil {
				return err
			}
			return c.String(http.StatusOK, string(b))
		})
	})
	small := strings.Repeat("a", 100)
	if r := do(t, http.MethodPost, ts.url+"/read", strings.NewReader(small), nil); r.status != 200 || string(r.body) != small {
		t.Fatalf("100-byte body: status %d body %q", r.status, r.body)
	}
	// Declared length over the limit: refused before the handler runs.
	r := do(t, http.MethodPost, ts.url+"/read", strings.NewReader(strings.Repeat("a", 101)), nil)
	if p := problemBody(t, r); r.status != 413 || p["type"] != ProblemTypeBodyTooBig {
		t.Errorf("101-byte body: status %d problem %v", r.status, p)
	}
	// Unknown length (chunked): refused when the handler reads past the limit.
	r = do(t, http.MethodPost, ts.url+"/read", io.MultiReader(strings.NewReader(strings.Repeat("b", 500))), nil)
	if p := problemBody(t, r); r.status != 413 || !strings.Contains(p["detail"].(string), "100 bytes") {
		t.Errorf("chunked body: status %d problem %v", r.status, p)
	}
}

func TestRequestTimeoutIs504Problem(t *testing.T) {
	ts := startServer(t, Config{RequestTimeout: 50 * time.Millisecond}, Deps{}, func(e *echo.Echo) {
		e.GET("/slow", func(c echo.Context) error {
			select {
			case <-c.Request().Context().Done():
				return c.Request().Context().Err()
			case <-time.After(5 * time.Second):
				return c.String(http.StatusOK, "too late")
			}
		})
	})
	r := get(t, ts.url+"/slow")
	if p := problemBody(t, r); r.status != http.StatusGatewayTimeout || p["type"] != ProblemTypeTimeout {
		t.Errorf("status %d problem %v", r.status, p)
	}
}

func TestHealthAndLive(t *testing.T) {
	// /health and /live check nothing: a dead dependency does not change them.
	ts := startServer(t, Config{}, Deps{Checkers: []Checker{fakeChecker{name: "neo4j", err: errors.New("connection refused")}}}, nil)
	for _, path := range []string{"/health", "/health/live"} {
		r := get(t, ts.url+path)
		if r.status != 200 || r.header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: status %d, type %q", path, r.status, r.header.Get("Content-Type"))
		}
		var m map[string]string
		if err := json.Unmarshal(r.body, &m); err != nil || m["status"] != "ok" {
			t.Errorf("%s: body %s (%v)", path, r.body, err)
		}
	}
}

func TestGracefulShutdownFinishesInFlightRequest(t *testing.T) {
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	s := New(Config{}, Deps{}, logger)
	entered := make(chan struct{})
	s.echo.GET("/slow", func(c echo.Context) error {
		close(entered)
		time.Sleep(300 * time.Millisecond)
		return c.String(http.StatusOK, "done")
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()

	got := make(chan response, 1)
	go func() {
		resp, err := http.Get("http://" + l.Addr().String() + "/slow")
		if err != nil {
			got <- response{status: -1, body: []byte(err.Error())}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got <- response{status: resp.StatusCode, body: b}
	}()
	<-entered
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if err := <-served; err != nil {
		t.Fatalf("serve: %v", err)
	}
	r := <-got
	if r.status != 200 || string(r.body) != "done" {
		t.Errorf("in-flight request: status %d body %q", r.status, r.body)
	}
	if _, err := net.DialTimeout("tcp", l.Addr().String(), time.Second); err == nil {
		t.Error("listener still accepts after Shutdown")
	}
}

func TestAccessLogIgnoresForwardedForFromClients(t *testing.T) {
	ts := startServer(t, Config{}, Deps{}, nil)
	r := do(t, http.MethodGet, ts.url+"/health", nil, map[string]string{"X-Forwarded-For": "203.0.113.9", "X-Real-IP": "203.0.113.10"})
	if r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	var found bool
	for _, rec := range ts.logs.Records(t) {
		if rec["msg"] == "http request" && rec["route"] == "/health" {
			found = true
			if rec["remote_ip"] != "127.0.0.1" || rec["level"] != "DEBUG" {
				t.Errorf("access log record %v: want remote_ip 127.0.0.1 at DEBUG (health probe)", rec)
			}
		}
	}
	if !found {
		t.Errorf("no access log record for /health:\n%s", ts.logs.String())
	}
}

// The client address behind trusted proxies: X-Forwarded-For is believed only from a trusted
// peer and only up to the first untrusted hop, so a client cannot choose the address that
// rate limits and logs see.
func TestClientIPBehindTrustedProxies(t *testing.T) {
	lb := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32")}
	cases := []struct {
		name    string
		trusted []netip.Prefix
		peer    string
		xff     string
		want    string
	}{
		{"no proxies configured: the peer, whatever the header says", nil, "10.0.0.5:4000", "203.0.113.7", "10.0.0.5"},
		{"from the balancer: the client it names", lb, "10.0.0.5:4000", "203.0.113.7", "203.0.113.7"},
		{"from the balancer, no header: the balancer", lb, "10.0.0.5:4000", "", "10.0.0.5"},
		{"from an untrusted peer: the peer (spoofed header ignored)", lb, "198.51.100.9:4000", "203.0.113.7", "198.51.100.9"},
		{"client-written entries left of the real hop are ignored", lb, "10.0.0.5:4000", "1.2.3.4, 203.0.113.7", "203.0.113.7"},
		{"two trusted hops", lb, "10.0.0.5:4000", "203.0.113.7, 10.9.9.9", "203.0.113.7"},
		{"private networks are not trusted unless listed", lb, "192.168.1.1:4000", "203.0.113.7", "192.168.1.1"},
		{"loopback is not trusted unless listed", lb, "127.0.0.1:4000", "203.0.113.7", "127.0.0.1"},
		{"IPv6 balancer", lb, "[2001:db8::1]:4000", "2001:db8:ffff::1, 198.51.100.20", "198.51.100.20"},
		{"garbage in the header: the peer", lb, "10.0.0.5:4000", "not-an-ip", "10.0.0.5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Config{TrustedProxies: tc.trusted}, Deps{}, slog.New(slog.NewJSONHandler(io.Discard, nil)))
			req := httptest.NewRequest(http.MethodGet, "/health/live", nil)
			req.RemoteAddr = tc.peer
			if tc.xff != "" {
				req.Header.Set(echo.HeaderXForwardedFor, tc.xff)
			}
			if got := s.echo.IPExtractor(req); got != tc.want {
				t.Errorf("client ip = %q, want %q", got, tc.want)
			}
		})
	}
}
