// Package telemetry sets up OpenTelemetry tracing for Tributary and instruments what it talks
// to: HTTP requests (an echo middleware), Neo4j (a driver wrapper), Redis (a go-redis hook) and
// asynq tasks (a middleware), plus Prometheus collectors for the worker. Nothing here is global:
// main builds a Provider and hands its tracer provider and propagator to each piece.
package telemetry

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// ScopeName is the instrumentation scope of every span this package starts.
const ScopeName = "github.com/tributary-lineage/tributary/telemetry"

// Environment read by ConfigFromEnv (the standard OpenTelemetry names).
const (
	EnvEndpoint       = "OTEL_EXPORTER_OTLP_ENDPOINT"
	EnvTracesEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	EnvServiceName    = "OTEL_SERVICE_NAME"
	EnvSDKDisabled    = "OTEL_SDK_DISABLED"
)

// Config says whether and where spans are exported.
type Config struct {
	// Endpoint is OTEL_EXPORTER_OTLP_ENDPOINT (or the traces-only variant). Empty: tracing is
	// a no-op and nothing is exported.
	Endpoint string
	// ServiceName is the service.name resource attribute (OTEL_SERVICE_NAME overrides it).
	ServiceName    string
	ServiceVersion string
}

// ConfigFromEnv reads the exporter endpoint and service name; service is the default name
// ("tributary-api", "tributary-worker"). OTEL_SDK_DISABLED=true turns tracing off.
func ConfigFromEnv(getenv func(string) string, service, version string) Config {
	c := Config{ServiceName: service, ServiceVersion: version}
	if n := getenv(EnvServiceName); n != "" {
		c.ServiceName = n
	}
	if getenv(EnvSDKDisabled) == "true" {
		return c
	}
	c.Endpoint = getenv(EnvTracesEndpoint)
	if c.Endpoint == "" {
		c.Endpoint = getenv(EnvEndpoint)
	}
	return c
}

// Provider is the tracing setup handed to the instrumented pieces.
type Provider struct {
	// Tracer is a real SDK provider when exporting, else a no-op one.
	Tracer trace.TracerProvider
	// Propagator carries trace context in HTTP headers and asynq task headers (W3C traceparent
	// and baggage).
	Propagator propagation.TextMapPropagator
	shutdown   func(context.Context) error
}

// Enabled reports whether spans are recorded and exported.
func (p *Provider) Enabled() bool {
	_, ok := p.Tracer.(*sdktrace.TracerProvider)
	return ok
}

// Shutdown flushes buffered spans and stops the exporter; a no-op provider has nothing to do.
func (p *Provider) Shutdown(ctx context.Context) error {
	if p.shutdown == nil {
		return nil
	}
	if err := p.shutdown(ctx); err != nil {
		return fmt.Errorf("shut down tracer provider: %w", err)
	}
	return nil
}

// NewPropagator returns the W3C trace-context and baggage propagator.
func NewPropagator() propagation.TextMapPropagator {
	return propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
}

// New builds the provider for cfg. With no endpoint it is a no-op (spans are not recorded, so
// instrumentation costs almost nothing). With one, spans go in batches over OTLP/HTTP to the
// endpoint (an OpenTelemetry collector, which can forward to AWS X-Ray); the exporter reads the
// other OTEL_EXPORTER_OTLP_* settings (headers, timeout, ...) itself, and the SDK reads
// OTEL_TRACES_SAMPLER. Exporting failures are reported by the SDK's error handler and never
// fail a request.
func New(ctx context.Context, cfg Config) (*Provider, error) {
	p := &Provider{Tracer: noop.NewTracerProvider(), Propagator: NewPropagator()}
	if cfg.Endpoint == "" {
		return p, nil
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("otlp trace exporter for %s: %w", cfg.Endpoint, err)
	}
	tp := NewSDKProvider(cfg, sdktrace.WithBatcher(exp))
	p.Tracer = tp
	p.shutdown = tp.Shutdown
	return p, nil
}

// NewSDKProvider returns an SDK tracer provider with Tributary's resource (service name and
// version) and the given options (an exporter: sdktrace.WithBatcher, or WithSyncer in tests).
func NewSDKProvider(cfg Config, opts ...sdktrace.TracerProviderOption) *sdktrace.TracerProvider {
	attrs := []attribute.KeyValue{attribute.String("service.name", cfg.ServiceName)}
	if cfg.ServiceVersion != "" {
		attrs = append(attrs, attribute.String("service.version", cfg.ServiceVersion))
	}
	opts = append([]sdktrace.TracerProviderOption{sdktrace.WithResource(resource.NewSchemaless(attrs...))}, opts...)
	return sdktrace.NewTracerProvider(opts...)
}

// TraceID returns the trace id of the span in ctx, or "" when there is none.
func TraceID(ctx context.Context) string {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.HasTraceID() {
		return ""
	}
	return sc.TraceID().String()
}

// errorStatus records err on span and marks it failed.
func errorStatus(span trace.Span, err error) {
	if err == nil {
		return
	}
	span.RecordError(err)
	span.SetStatus(codes.Error, err.Error())
}
