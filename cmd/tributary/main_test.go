package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tributary-lineage/tributary/internal/logtest"
)

// testEnv is the process environment (so `make test` settings apply) with overrides.
func testEnv(overrides map[string]string) func(string) string {
	return func(k string) string {
		if v, ok := overrides[k]; ok {
			return v
		}
		return os.Getenv(k)
	}
}

func runCmd(t *testing.T, env func(string) string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, env, &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageAndExitCodes(t *testing.T) {
	env := envMap(nil)
	tests := []struct {
		name       string
		args       []string
		code       int
		out, err   string // substrings expected on stdout / stderr
		notOnError bool
	}{
		{name: "no command", args: nil, code: 2, err: "Usage: tributary <command>"},
		{name: "unknown command", args: []string{"frobnicate"}, code: 2, err: `unknown command "frobnicate"`},
		{name: "help", args: []string{"help"}, code: 0, out: "migrate      apply pending"},
		{name: "help lists env", args: []string{"--help"}, code: 0, out: "TRIBUTARY_NEO4J_URI"},
		{name: "help for a command", args: []string{"help", "healthcheck"}, code: 0, out: "-timeout duration"},
		{name: "help for an unknown command", args: []string{"help", "nope"}, code: 2, err: `unknown command "nope"`},
		{name: "command -h", args: []string{"migrate", "-h"}, code: 0, err: "Usage: tributary migrate"},
		{name: "bad flag", args: []string{"migrate", "-bogus"}, code: 2, err: "flag provided but not defined: -bogus"},
		{name: "stray argument", args: []string{"serve", "now"}, code: 2, err: `unexpected arguments ["now"]`},
		{name: "version", args: []string{"version"}, code: 0, out: "tributary dev"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, env, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errOut)
			}
			if !strings.Contains(out, tt.out) || !strings.Contains(errOut, tt.err) {
				t.Errorf("stdout %q should contain %q; stderr %q should contain %q", out, tt.out, errOut, tt.err)
			}
		})
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	_, out, _ := runCmd(t, envMap(nil), "help")
	for _, c := range commands() {
		if c.summary == "" || strings.Contains(c.summary, "\n") {
			t.Errorf("command %q needs a one-line summary", c.name)
		}
		if !strings.Contains(out, "  "+c.name+" ") {
			t.Errorf("help does not list %q", c.name)
		}
		code, hout, _ := runCmd(t, envMap(nil), "help", c.name)
		if code != 0 || !strings.Contains(hout, "Usage: tributary "+c.name) {
			t.Errorf("help %s: exit %d, %q", c.name, code, hout)
		}
	}
}

func TestInvalidConfigExits2WithAllProblems(t *testing.T) {
	env := envMap(map[string]string{envNeo4jURI: "http://x", envLogLevel: "loud", envNeo4jPassword: "do-not-print-me"})
	for _, cmd := range []string{"serve", "migrate", "config"} {
		code, out, errOut := runCmd(t, env, cmd)
		if code != 2 {
			t.Errorf("%s: exit %d, want 2", cmd, code)
		}
		if !strings.Contains(errOut, "invalid configuration (2 problems)") ||
			!strings.Contains(errOut, "TRIBUTARY_NEO4J_URI: scheme must be") ||
			!strings.Contains(errOut, "TRIBUTARY_LOG_LEVEL") {
			t.Errorf("%s: stderr %q", cmd, errOut)
		}
		if strings.Contains(out+errOut, "do-not-print-me") {
			t.Errorf("%s printed the password", cmd)
		}
	}
}

func TestConfigCommandMasksSecrets(t *testing.T) {
	code, out, _ := runCmd(t, envMap(map[string]string{envNeo4jPassword: "pw-visible?", envRedisPassword: "rpw-visible?"}), "config")
	if code != 0 || strings.Contains(out, "visible?") || !strings.Contains(out, "neo4j.password=**** ") || !strings.Contains(out, "redis.password=**** ") {
		t.Errorf("exit %d, output %q", code, out)
	}
}

var levelLine = regexp.MustCompile(`(?m)^migration level (\d+)$`)

// TestMigrateTwice runs `tributary migrate` against the real Neo4j twice:
// the second run applies nothing and reports the same level.
func TestMigrateTwice(t *testing.T) {
	env := testEnv(nil)
	code, out1, err1 := runCmd(t, env, "migrate")
	if code != 0 {
		t.Fatalf("first migrate: exit %d (is Neo4j up? run `make up`)\nstdout: %s\nstderr: %s", code, out1, err1)
	}
	m1 := levelLine.FindStringSubmatch(out1)
	if m1 == nil || m1[1] == "0" {
		t.Fatalf("first migrate output %q: want a level >= 1", out1)
	}
	for _, line := range strings.Split(strings.TrimSpace(out1), "\n") {
		if line != "schema up to date" && !strings.HasPrefix(line, "applied ") && !levelLine.MatchString(line) {
			t.Errorf("unexpected line %q in %q", line, out1)
		}
	}
	code, out2, err2 := runCmd(t, env, "migrate")
	if code != 0 {
		t.Fatalf("second migrate: exit %d\nstdout: %s\nstderr: %s", code, out2, err2)
	}
	want := "schema up to date\nmigration level " + m1[1] + "\n"
	if out2 != want {
		t.Errorf("second migrate printed %q, want %q", out2, want)
	}
}

func TestMigrateAgainstDeadNeo4jFails(t *testing.T) {
	env := testEnv(map[string]string{envNeo4jURI: "bolt://127.0.0.1:1"})
	code, out, errOut := runCmd(t, env, "migrate", "-timeout", "3s")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if out != "" || !strings.Contains(errOut, "tributary migrate: migrate neo4j on bolt://127.0.0.1:1: ") || !strings.Contains(errOut, "connection refused") {
		t.Errorf("stdout %q\nstderr %q", out, errOut)
	}
}

// freeAddr returns a loopback address with a port nothing listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

type serving struct {
	base           string
	stdout, stderr *logtest.Buffer
	cancel         context.CancelFunc
	done           chan int
}

// startServe runs `tributary serve` on a free port until stop is called.
func startServe(t *testing.T, overrides map[string]string) *serving {
	t.Helper()
	addr := freeAddr(t)
	overrides[envHTTPAddr] = addr
	ctx, cancel := context.WithCancel(context.Background())
	s := &serving{base: "http://" + addr, stdout: &logtest.Buffer{}, stderr: &logtest.Buffer{}, cancel: cancel, done: make(chan int, 1)}
	go func() { s.done <- run(ctx, []string{"serve"}, testEnv(overrides), s.stdout, s.stderr) }()
	t.Cleanup(cancel)
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(s.base + "/health/live")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		select {
		case code := <-s.done:
			t.Fatalf("serve exited %d before answering\nlogs: %s", code, s.logs())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not answer /health/live within 15s: %v\nlogs: %s", err, s.logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop cancels the context (what SIGTERM does) and returns serve's exit code.
func (s *serving) stop(t *testing.T) int {
	t.Helper()
	s.cancel()
	select {
	case code := <-s.done:
		return code
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop within 30s of cancel")
		return -1
	}
}

// logs is what serve logged: its stdout (a service logs there; stderr stays for errors
// before the logger exists).
func (s *serving) logs() string { return s.stdout.String() }

// logMessages decodes serve's log, which must be JSON lines only, and checks that nothing
// went to stderr.
func (s *serving) logMessages(t *testing.T) []string {
	t.Helper()
	if e := s.stderr.String(); e != "" {
		t.Errorf("serve wrote to stderr: %q", e)
	}
	var msgs []string
	for line := range strings.Lines(s.logs()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line is not JSON: %q", line)
			continue
		}
		msgs = append(msgs, rec["msg"].(string))
	}
	return msgs
}

func getBody(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// TestServeLifecycle runs `tributary serve` against the real Neo4j and Redis:
// it is ready, `tributary healthcheck` passes, and cancelling the context
// shuts it down cleanly with exit 0.
func TestServeLifecycle(t *testing.T) {
	s := startServe(t, map[string]string{envLogLevel: "debug"})
	if code, body := getBody(t, s.base+"/health/ready"); code != 200 {
		t.Errorf("ready: %d %s (are Neo4j and Redis up? run `make up`)", code, body)
	}
	code, body := getBody(t, s.base+"/health/detailed")
	if code != 200 || !strings.Contains(string(body), `"name":"neo4j"`) || !strings.Contains(string(body), `"name":"redis"`) {
		t.Errorf("detailed: %d %s", code, body)
	}
	code, hout, herr := runCmd(t, testEnv(map[string]string{envHTTPAddr: strings.TrimPrefix(s.base, "http://")}), "healthcheck")
	if code != 0 || hout != "ok "+s.base+"/health/live\n" {
		t.Errorf("healthcheck: exit %d stdout %q stderr %q", code, hout, herr)
	}
	if code := s.stop(t); code != 0 {
		t.Errorf("serve exit %d after cancel\nlogs: %s", code, s.logs())
	}
	msgs := s.logMessages(t)
	for _, want := range []string{"starting tributary", "http server listening", "http request", "shutting down", "http server stopped"} {
		if !slices.Contains(msgs, want) {
			t.Errorf("no %q log record; got %q", want, msgs)
		}
	}
	if _, err := http.Get(s.base + "/health/live"); err == nil {
		t.Error("server still answers after serve returned")
	}
}

// TestServeWithDeadRedis: Redis only backs the cache and the job queue, so readiness stays
// 200 with redis and the cache degraded (detailed names the cause), and the Redis password
// given to serve appears nowhere in its output.
func TestServeWithDeadRedis(t *testing.T) {
	const secret = "serve-S3cret-never-logged"
	// Auth off: the details of /health/detailed need a role, and the API keys live in the
	// Redis that is down.
	s := startServe(t, map[string]string{envRedisAddr: "127.0.0.1:1", envRedisPassword: secret, "TRIBUTARY_AUTH": "off"})
	code, body := getBody(t, s.base+"/health/ready")
	var ready struct {
		Status       string            `json:"status"`
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(body, &ready); err != nil {
		t.Fatalf("ready body %s: %v", body, err)
	}
	if code != 200 || ready.Dependencies["redis"] != "degraded" || ready.Dependencies["neo4j"] != "up" {
		t.Errorf("ready: %d %s", code, body)
	}
	code, body = getBody(t, s.base+"/health/detailed")
	if code != 200 || !strings.Contains(string(body), "connection refused") || !strings.Contains(string(body), `"status":"degraded"`) {
		t.Errorf("detailed: %d %s", code, body)
	}
	if code := s.stop(t); code != 0 {
		t.Errorf("serve exit %d", code)
	}
	s.logMessages(t) // go-redis's own log lines must come out as JSON too
	if out := s.stdout.String() + s.stderr.String(); strings.Contains(out, secret) {
		t.Errorf("the Redis password appears in serve's output:\n%s", out)
	}
	if !strings.Contains(s.logs(), `"password":"****"`) {
		t.Errorf("startup log does not show the masked password:\n%s", s.logs())
	}
}

func TestHealthcheckFailsWhenNothingServes(t *testing.T) {
	addr := freeAddr(t)
	code, out, errOut := runCmd(t, envMap(map[string]string{envHTTPAddr: addr}), "healthcheck", "-timeout", "2s")
	if code != 1 || out != "" || !strings.Contains(errOut, "tributary healthcheck: get http://"+addr+"/health/live: ") {
		t.Errorf("exit %d stdout %q stderr %q", code, out, errOut)
	}
}

func TestHealthcheckNon200Fails(t *testing.T) {
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/health/live" {
			t.Errorf("probed %s", r.URL.Path)
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	})}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	code, _, errOut := runCmd(t, envMap(map[string]string{envHTTPAddr: l.Addr().String()}), "healthcheck")
	if code != 1 || !strings.Contains(errOut, "status 503") {
		t.Errorf("exit %d stderr %q", code, errOut)
	}
}

func TestLiveURL(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"127.0.0.1:8080", "http://127.0.0.1:8080/health/live"},
		{":8080", "http://127.0.0.1:8080/health/live"},
		{"0.0.0.0:9000", "http://127.0.0.1:9000/health/live"},
		{"[::]:9000", "http://[::1]:9000/health/live"},
		{"api.internal:80", "http://api.internal:80/health/live"},
	}
	for _, tt := range tests {
		if got, err := liveURL(tt.addr); err != nil || got != tt.want {
			t.Errorf("liveURL(%q) = %q, %v; want %q", tt.addr, got, err, tt.want)
		}
	}
	if _, err := liveURL("8080"); err == nil {
		t.Error("liveURL(\"8080\") accepted")
	}
}
