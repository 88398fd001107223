package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestConfigFromEnv(t *testing.T) {
	for _, c := range []struct {
		name string
		env  map[string]string
		want Config
	}{
		{"nothing set: off", nil, Config{ServiceName: "tributary-api", ServiceVersion: "v1"}},
		{"endpoint", map[string]string{EnvEndpoint: "http://collector:4318"},
			Config{Endpoint: "http://collector:4318", ServiceName: "tributary-api", ServiceVersion: "v1"}},
		{"traces endpoint wins", map[string]string{EnvEndpoint: "http://a:4318", EnvTracesEndpoint: "http://b:4318/v1/traces"},
			Config{Endpoint: "http://b:4318/v1/traces", ServiceName: "tributary-api", ServiceVersion: "v1"}},
		{"service name override", map[string]string{EnvEndpoint: "http://a:4318", EnvServiceName: "lineage-api"},
			Config{Endpoint: "http://a:4318", ServiceName: "lineage-api", ServiceVersion: "v1"}},
		{"sdk disabled", map[string]string{EnvEndpoint: "http://a:4318", EnvSDKDisabled: "true"},
			Config{ServiceName: "tributary-api", ServiceVersion: "v1"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := ConfigFromEnv(func(k string) string { return c.env[k] }, "tributary-api", "v1")
			if got != c.want {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestNewWithoutEndpointIsNoop(t *testing.T) {
	p, err := New(context.Background(), Config{ServiceName: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Enabled() {
		t.Fatal("provider without endpoint is enabled")
	}
	_, span := p.Tracer.Tracer("test").Start(context.Background(), "op")
	if span.IsRecording() || span.SpanContext().IsValid() {
		t.Error("no-op provider records spans")
	}
	span.End()
	if err := p.Shutdown(context.Background()); err != nil {
		t.Error(err)
	}
}

// TestNewExportsOverOTLP points OTEL_EXPORTER_OTLP_ENDPOINT at a local HTTP server standing in
// for a collector and checks that spans arrive at /v1/traces as OTLP protobuf after Shutdown
// flushes the batch.
func TestNewExportsOverOTLP(t *testing.T) {
	var mu sync.Mutex
	var posts []string
	var body []byte
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		posts = append(posts, r.Method+" "+r.URL.Path+" "+r.Header.Get("Content-Type"))
		body = append(body, b...)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	}))
	defer collector.Close()
	t.Setenv(EnvEndpoint, collector.URL)
	cfg := ConfigFromEnv(func(k string) string {
		if k == EnvEndpoint {
			return collector.URL
		}
		return ""
	}, "tributary-test", "v0")
	p, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Enabled() {
		t.Fatal("provider with endpoint is not enabled")
	}
	_, span := p.Tracer.Tracer("test").Start(context.Background(), "exported-operation")
	span.End()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(posts) == 0 || posts[0] != "POST /v1/traces application/x-protobuf" {
		t.Fatalf("collector received %v, want a POST /v1/traces of protobuf", posts)
	}
	// Protobuf keeps strings as they are: the span and service names are in the payload.
	for _, want := range []string{"exported-operation", "tributary-test"} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("export payload lacks %q", want)
		}
	}
}

func TestLogHandlerAddsTraceIDs(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(NewLogHandler(slog.NewJSONHandler(&buf, nil))).With("component", "test")
	p, _ := recorder()
	ctx, span := p.Tracer.Tracer("test").Start(context.Background(), "op")
	logger.InfoContext(ctx, "inside")
	span.End()
	logger.InfoContext(context.Background(), "outside")

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("log lines: %q", lines)
	}
	var in, out map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &in); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &out); err != nil {
		t.Fatal(err)
	}
	if in["trace_id"] != span.SpanContext().TraceID().String() || in["span_id"] != span.SpanContext().SpanID().String() ||
		in["component"] != "test" {
		t.Errorf("inside a span: %v", in)
	}
	if _, ok := out["trace_id"]; ok {
		t.Errorf("outside a span: %v", out)
	}
	if TraceID(ctx) != span.SpanContext().TraceID().String() || TraceID(context.Background()) != "" {
		t.Error("TraceID")
	}
}
