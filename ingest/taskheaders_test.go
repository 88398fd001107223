package ingest

import (
	"context"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
	"go.opentelemetry.io/otel/trace"
)

// Tasks made inside a traced request or task carry its W3C trace context, so the worker's
// span continues that trace; tasks made without one carry no headers.
func TestTasksCarryTheCallersTraceContext(t *testing.T) {
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:     trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
		TraceFlags: trace.FlagsSampled,
	})
	traced := trace.ContextWithSpanContext(context.Background(), sc)
	work := []ViewWork{{View: ListedView{Text: "CREATE VIEW V AS SELECT 1 AS X"}}}
	work[0].View.ID.Database, work[0].View.ID.Schema, work[0].View.ID.Name = "D", "S", "V"
	makers := map[string]func(context.Context) (*asynq.Task, error){
		"refresh": func(ctx context.Context) (*asynq.Task, error) {
			return NewRefreshTask(ctx, RefreshPayload{Source: "dir:/x", JobID: "j"})
		},
		"analyze": func(ctx context.Context) (*asynq.Task, error) {
			return NewAnalyzeTask(ctx, AnalyzePayload{Source: "dir:/x", Views: work})
		},
		"webhook": func(ctx context.Context) (*asynq.Task, error) {
			return NewWebhookTask(ctx, WebhookPayload{EventID: "evt_1", URL: "https://a.example/h", Data: []byte(`{}`)})
		},
	}
	want := "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-01"
	for name, newTask := range makers {
		task, err := newTask(traced)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := task.Headers()["traceparent"]; got != want {
			t.Errorf("%s task traceparent = %q, want %q", name, got, want)
		}
		plain, err := newTask(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if h := plain.Headers(); len(h) != 0 {
			t.Errorf("%s task without a trace has headers %v", name, h)
		}
		if !strings.HasPrefix(task.Type(), "lineage:") {
			t.Errorf("%s task type %q", name, task.Type())
		}
	}
}
