package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// cuttableProxy forwards TCP connections to a target until cut: then it drops every open
// connection and closes each new one at once (what a Neo4j that died looks like to the
// driver), until restored.
type cuttableProxy struct {
	l      net.Listener
	target string
	mu     sync.Mutex
	cut    bool
	conns  map[net.Conn]bool
}

func startProxy(t *testing.T, target string) *cuttableProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cuttableProxy{l: l, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() {
		l.Close()
		p.setCut(true)
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	return p
}

func (p *cuttableProxy) addr() string { return p.l.Addr().String() }

// track registers c; it reports false (and closes c) while the proxy is cut.
func (p *cuttableProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cut {
		c.Close()
		return false
	}
	p.conns[c] = true
	return true
}

func (p *cuttableProxy) serve(down net.Conn) {
	if !p.track(down) {
		return
	}
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		down.Close()
		return
	}
	if !p.track(up) {
		down.Close()
		return
	}
	go func() { io.Copy(up, down); up.Close() }()
	io.Copy(down, up)
	down.Close()
}

func (p *cuttableProxy) setCut(cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = cut
	if cut {
		for c := range p.conns {
			c.Close()
		}
		clear(p.conns)
	}
}

// TestLineageReadsFailFastAndRecoverWhenNeo4jDies runs `tributary serve` against Neo4j through
// a proxy, cuts the proxy and restores it: while Neo4j is unreachable, lineage reads answer 503
// problem+json naming neo4j (the first from the driver's bounded retries, the rest from the
// open circuit) long before the 30s request timeout, /health/ready says neo4j is down, and
// once Neo4j answers again reads recover by themselves. The latencies are logged (-v) for
// docs/benchmarks.md; they are not asserted.
func TestLineageReadsFailFastAndRecoverWhenNeo4jDies(t *testing.T) {
	u, err := url.Parse(envOr("TRIBUTARY_NEO4J_URI", "bolt://127.0.0.1:7687"))
	if err != nil {
		t.Fatal(err)
	}
	proxy := startProxy(t, u.Host)
	const requestTimeout = 30 * time.Second
	s := startServe(t, map[string]string{
		"TRIBUTARY_AUTH": "off", "TRIBUTARY_RATE_LIMIT_ANON": "off",
		envNeo4jURI:       "bolt://" + proxy.addr(),
		envRequestTimeout: requestTimeout.String(), envWriteTimeout: "35s",
	})
	db := uniqueDB(t)
	n := 0
	// read asks for a column never asked before, so no cached answer can hide Neo4j.
	read := func() (int, http.Header, []byte, time.Duration) {
		t.Helper()
		n++
		q := url.Values{"column": {db + ".RAW.T.C" + string(rune('A'+n%26)) + strings.Repeat("X", n/26)}, "direction": {"upstream"}}
		start := time.Now()
		resp, err := http.Get(s.base + "/api/v1/lineage/columns?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, b, time.Since(start)
	}
	if code, _, body, _ := read(); code != http.StatusNotFound {
		t.Fatalf("read with Neo4j up: %d %s", code, body)
	}

	proxy.setCut(true)
	cutAt := time.Now()
	var latencies []time.Duration
	for i := range 10 {
		code, h, body, took := read()
		var p struct {
			Type   string `json:"type"`
			Detail string `json:"detail"`
		}
		if code != http.StatusServiceUnavailable || h.Get("Content-Type") != "application/problem+json" ||
			json.Unmarshal(body, &p) != nil || !strings.Contains(p.Detail, "neo4j") || h.Get("Retry-After") == "" {
			t.Fatalf("read %d with Neo4j cut: %d %v %s\nlog: %s", i, code, h, body, s.logs())
		}
		if strings.Contains(string(body), proxy.addr()) {
			t.Errorf("the answer names Neo4j's address: %s", body)
		}
		if took >= requestTimeout {
			t.Fatalf("read %d waited %s, the whole request timeout", i, took)
		}
		latencies = append(latencies, took)
	}
	if !strings.Contains(s.logs(), "circuit open") {
		t.Errorf("no read was refused by the open circuit; log:\n%s", s.logs())
	}
	code, body := getBody(t, s.base+"/health/ready")
	if code != http.StatusServiceUnavailable || !strings.Contains(string(body), "neo4j") {
		t.Errorf("/health/ready with Neo4j cut: %d %s", code, body)
	}
	if code, _ := getBody(t, s.base+"/health/live"); code != http.StatusOK {
		t.Errorf("/health/live with Neo4j cut: %d", code)
	}
	t.Logf("503 latencies with Neo4j cut (first after the cut first): %v", latencies)

	proxy.setCut(false)
	restored := time.Now()
	for {
		code, _, body, _ := read()
		if code == http.StatusNotFound {
			break
		}
		if code != http.StatusServiceUnavailable {
			t.Fatalf("read while recovering: %d %s", code, body)
		}
		if time.Since(restored) > requestTimeout {
			t.Fatalf("reads did not recover within %s of Neo4j answering again", requestTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("reads recovered %s after Neo4j answered again (cut for %s)", time.Since(restored), restored.Sub(cutAt))
}
