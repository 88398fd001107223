package telemetry

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// BenchmarkEchoMiddleware measures what tracing adds to a request: off (no endpoint: the no-op
// provider), on (SDK provider, every span batched to an exporter that discards them), and on
// with the 10 % parent-based sampling deploy/k8s configures.
func BenchmarkEchoMiddleware(b *testing.B) {
	off, err := New(context.Background(), Config{ServiceName: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	tp := NewSDKProvider(Config{ServiceName: "bench"}, sdktrace.WithBatcher(tracetest.NewNoopExporter()))
	b.Cleanup(func() { tp.Shutdown(context.Background()) })
	on := &Provider{Tracer: tp, Propagator: NewPropagator()}
	tp10 := NewSDKProvider(Config{ServiceName: "bench"}, sdktrace.WithBatcher(tracetest.NewNoopExporter()),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(0.1))))
	b.Cleanup(func() { tp10.Shutdown(context.Background()) })
	sampled := &Provider{Tracer: tp10, Propagator: NewPropagator()}
	for _, c := range []struct {
		name string
		p    *Provider
	}{{"none", nil}, {"off", off}, {"on", on}, {"on-10%-sampled", sampled}} {
		b.Run(c.name, func(b *testing.B) {
			e := echo.New()
			if c.p != nil {
				e.Use(EchoMiddleware(c.p))
			}
			e.GET("/api/v1/lineage/columns", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
			req := httptest.NewRequest(http.MethodGet, "/api/v1/lineage/columns?column=A.B.C.D", nil)
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				e.ServeHTTP(rec, req)
			}
		})
	}
}
