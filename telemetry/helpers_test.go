package telemetry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/redis/go-redis/v9"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// recorder returns a provider whose spans land, as they end, in the returned exporter.
func recorder() (*Provider, *tracetest.InMemoryExporter) {
	exp := tracetest.NewInMemoryExporter()
	tp := NewSDKProvider(Config{ServiceName: "tributary-test"}, sdktrace.WithSyncer(exp))
	return &Provider{Tracer: tp, Propagator: NewPropagator(), shutdown: tp.Shutdown}, exp
}

func newDriver(t *testing.T) neo4j.DriverWithContext {
	t.Helper()
	uri := env("TRIBUTARY_NEO4J_URI", "bolt://127.0.0.1:7687")
	d, err := neo4j.NewDriverWithContext(uri,
		neo4j.BasicAuth(env("TRIBUTARY_NEO4J_USER", "neo4j"), env("TRIBUTARY_NEO4J_PASSWORD", "tributary-local"), ""))
	if err != nil {
		t.Fatalf("neo4j driver for %s: %v", uri, err)
	}
	t.Cleanup(func() { d.Close(context.Background()) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.VerifyConnectivity(ctx); err != nil {
		t.Fatalf("neo4j at %s is not reachable (run `make up`): %v", uri, err)
	}
	return d
}

func newRedis(t *testing.T) *redis.Client {
	t.Helper()
	addr := env("TRIBUTARY_REDIS_ADDR", "127.0.0.1:6379")
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("redis at %s is not reachable (run `make up`): %v", addr, err)
	}
	return rdb
}

func unique(t *testing.T, prefix string) string {
	b := make([]byte, 5)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return prefix + strings.ToUpper(hex.EncodeToString(b))
}

// byName indexes ended spans by name.
func byName(spans tracetest.SpanStubs) map[string][]tracetest.SpanStub {
	out := map[string][]tracetest.SpanStub{}
	for _, s := range spans {
		out[s.Name] = append(out[s.Name], s)
	}
	return out
}

func attr(s tracetest.SpanStub, key string) string {
	for _, a := range s.Attributes {
		if string(a.Key) == key {
			return a.Value.Emit()
		}
	}
	return ""
}

func names(spans tracetest.SpanStubs) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name)
	}
	return out
}

// remoteParent is a span context as a caller in another process would send it.
func remoteParent(t *testing.T) trace.SpanContext {
	t.Helper()
	tid, err := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	if err != nil {
		t.Fatal(err)
	}
	sid, err := trace.SpanIDFromHex("00f067aa0ba902b7")
	if err != nil {
		t.Fatal(err)
	}
	return trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled, Remote: true})
}
