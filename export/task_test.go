package export

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/trace"
)

// An export task made inside a traced request carries its W3C trace context, so the worker's
// export span continues the request's trace; without a trace it carries no headers.
func TestExportTaskCarriesTheCallersTraceContext(t *testing.T) {
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd, 0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80, 0x31, 0x9c},
		SpanID:     trace.SpanID{0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31},
		TraceFlags: trace.FlagsSampled,
	})
	p := TaskPayload{Scope: Scope{Kind: ScopeDatabase, Databases: []string{"SHOP"}}, Format: FormatJSON, Name: "shop.json"}
	task, err := NewTask(trace.ContextWithSpanContext(context.Background(), sc), p)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := task.Headers()["traceparent"], "00-"+sc.TraceID().String()+"-"+sc.SpanID().String()+"-01"; got != want {
		t.Errorf("traceparent = %q, want %q", got, want)
	}
	plain, err := NewTask(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if h := plain.Headers(); len(h) != 0 {
		t.Errorf("task without a trace has headers %v", h)
	}
}
